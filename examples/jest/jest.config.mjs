// Run with: NODE_OPTIONS=--experimental-vm-modules npx jest
/** @type {import('jest').Config} */
export default { preset: 'chainlab' };
