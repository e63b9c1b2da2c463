// Browser entry point: mounts the React app into #root (see index.html).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import './ui/app.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element to mount the app into.');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
