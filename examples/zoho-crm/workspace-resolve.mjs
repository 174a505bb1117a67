// Inside the @tokens repository only (CI): resolve this example's packages from packages/zoho,
// where the workspace has installed them, instead of an `npm install` here.
//   node --import ./workspace-resolve.mjs app.mjs
import { register } from 'node:module';

register('./workspace-hooks.mjs', import.meta.url);
