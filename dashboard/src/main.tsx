// Entry point of the dashboard bundle.
import { render } from 'preact';
import { config } from 'zod';
import { App } from './app.tsx';
import './app.css';

// The page's Content-Security-Policy forbids eval; without this zod would probe `new Function` and
// the browser would log a violation on every load.
config({ jitless: true });

const root = document.getElementById('app');
if (root) render(<App />, root);
