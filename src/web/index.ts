/** The product's pages (H5 and PC), built once at start and served with their assets. */
export { assetUrl, pageRoutes } from './pages.js';
