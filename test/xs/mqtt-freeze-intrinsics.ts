// Freezes the built-in prototypes and constructors before anything else loads (test
// layer, XS only), as a Moddable device does after preloading: code that assigns to an
// inherited built-in property (the `override mistake`, e.g. the npm buffer polyfill
// setting Buffer.prototype.toString) then fails here as it would on the device.

const typedArray = Object.getPrototypeOf(Uint8Array) as object;
for (const intrinsic of [Object, Function, Array, String, Number, Boolean, Symbol, Error, TypeError, RangeError, Map, Set, Promise, ArrayBuffer, DataView, Uint8Array, typedArray, JSON, Math, Reflect]) {
  Object.freeze(intrinsic);
  const prototype = (intrinsic as { prototype?: object }).prototype;
  if (prototype !== undefined) Object.freeze(prototype);
}

export const intrinsicsFrozen = Object.isFrozen(Uint8Array.prototype) && Object.isFrozen(Object.prototype);
