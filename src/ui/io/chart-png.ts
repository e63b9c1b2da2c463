// Renders a chart card to PNG: the card's title, then its SVG (recharts) or canvas drawn at 2×
// on the theme's background, so the image reads the same as the screen.
import type { Palette } from '../palette';

function loadSvg(svg: SVGSVGElement): Promise<HTMLImageElement> {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const { width, height } = svg.getBoundingClientRect();
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  const text = new XMLSerializer().serializeToString(clone);
  const img = new Image();
  return new Promise((resolve, reject) => {
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('The chart could not be drawn as an image.'));
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  });
}

/** PNG of the first <svg> or <canvas> inside `root`, headed by `title`. */
export async function chartToPng(root: HTMLElement, title: string, pal: Palette): Promise<Blob> {
  const svg = root.querySelector<SVGSVGElement>('svg.recharts-surface, svg');
  const canvas = root.querySelector('canvas');
  const source: CanvasImageSource | null = svg ? await loadSvg(svg) : canvas;
  if (!source) throw new Error('This card has nothing to export yet.');
  const rect = (svg ?? canvas)!.getBoundingClientRect();
  const scale = 2;
  const head = 40;
  const out = document.createElement('canvas');
  out.width = Math.ceil(rect.width * scale);
  out.height = Math.ceil((rect.height + head) * scale);
  const g = out.getContext('2d');
  if (!g) throw new Error('This browser cannot draw PNG images.');
  g.scale(scale, scale);
  g.fillStyle = pal.bg;
  g.fillRect(0, 0, rect.width, rect.height + head);
  g.fillStyle = pal.fg;
  g.font = 'bold 20px system-ui, sans-serif';
  g.fillText(title, 8, 28);
  g.drawImage(source, 0, head, rect.width, rect.height);
  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed.'))), 'image/png'));
}
