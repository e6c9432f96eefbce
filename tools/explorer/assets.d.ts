// esbuild loads .css files as text (tools/gateway/explorer-assets.ts): the page injects them.
declare module '*.css' {
  const text: string;
  export default text;
}
