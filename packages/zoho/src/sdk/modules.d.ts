// The Node.js SDKs ship no type declarations; the bridge reads their classes structurally.
declare module '@zohocrm/nodejs-sdk-8.0' {
  const classes: Record<string, unknown>;
  export = classes;
}
declare module '@zohocrm/nodejs-sdk-2.0/*' {
  const classes: Record<string, { prototype: object }>;
  export default classes;
}
