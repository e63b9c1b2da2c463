// Prints Dawn's adapter as one JSON line ({ vendor, description, isFallbackAdapter }) or null.
// Run in a child process by runtimes.mjs: the Vulkan loader reads its driver list once per process.
let info = null;
try {
  const { create } = await import('webgpu');
  const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
  if (adapter) {
    const i = adapter.info;
    info = { vendor: i.vendor, description: i.description || i.device, isFallbackAdapter: Boolean(i.isFallbackAdapter) };
  }
} catch {
  info = null;
}
console.log(JSON.stringify(info));
process.exit(0);
