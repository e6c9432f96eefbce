// The event-emitter module for engines without Node (core layer, XS only): bundles for
// XS resolve mqtt-packet's event-emitter import here, because its parser extends an
// EventEmitter and the npm package of that name is not one of its dependencies.
// Only what the parser uses: on/once/off, emit (an unheard 'error' throws, as in Node).

type Listener = (...args: unknown[]) => void;

export class EventEmitter {
  private readonly listenersByName = new Map<string | symbol, Listener[]>();

  on(name: string | symbol, listener: Listener): this {
    const list = this.listenersByName.get(name);
    if (list) list.push(listener);
    else this.listenersByName.set(name, [listener]);
    return this;
  }

  addListener(name: string | symbol, listener: Listener): this {
    return this.on(name, listener);
  }

  once(name: string | symbol, listener: Listener): this {
    const wrapper: Listener = (...args) => {
      this.off(name, wrapper);
      listener.apply(this, args);
    };
    return this.on(name, wrapper);
  }

  off(name: string | symbol, listener: Listener): this {
    const list = this.listenersByName.get(name);
    const at = list ? list.indexOf(listener) : -1;
    if (at >= 0) list!.splice(at, 1);
    return this;
  }

  removeListener(name: string | symbol, listener: Listener): this {
    return this.off(name, listener);
  }

  removeAllListeners(name?: string | symbol): this {
    if (name === undefined) this.listenersByName.clear();
    else this.listenersByName.delete(name);
    return this;
  }

  emit(name: string | symbol, ...args: unknown[]): boolean {
    const list = this.listenersByName.get(name);
    if (!list || list.length === 0) {
      if (name === 'error') throw args[0] instanceof Error ? args[0] : new Error(`unhandled 'error' event: ${String(args[0])}`);
      return false;
    }
    // A copy, so a listener that removes itself does not skip the next one.
    for (const listener of list.slice()) listener.apply(this, args);
    return true;
  }
}
