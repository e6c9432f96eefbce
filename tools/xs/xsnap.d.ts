// The part of @agoric/xsnap's API that botpeer uses (the package ships JS with JSDoc only).
declare module '@agoric/xsnap' {
  export interface XSnapOptions {
    os: string;
    spawn: typeof import('node:child_process').spawn;
    fs: unknown;
    name?: string;
    meteringLimit?: number;
    stdout?: 'ignore' | 'inherit' | 'pipe';
    stderr?: 'ignore' | 'inherit' | 'pipe';
    handleCommand?: (message: Uint8Array) => Promise<Uint8Array>;
  }
  export interface XSnap {
    evaluate(code: string): Promise<unknown>;
    close(): Promise<void>;
  }
  export function xsnap(options: XSnapOptions): Promise<XSnap>;
}
