// Deployed-contract sources and helpers shared by the deployed-contract tests (test layer, Node).

export const TOKEN = `({
  methods: {
    mint(ctx, a) {
      const key = 'bal:' + a.to;
      const n = (ctx.get(key) ?? 0) + a.amount;
      ctx.set(key, n);
      return n;
    },
    transfer(ctx, a) {
      if (!(a.amount > 0)) throw new Error('amount must be positive');
      const from = 'bal:' + ctx.sender;
      const have = ctx.get(from) ?? 0;
      if (have < a.amount) throw new Error('insufficient balance');
      ctx.set(from, have - a.amount);
      ctx.set('bal:' + a.to, (ctx.get('bal:' + a.to) ?? 0) + a.amount);
      return have - a.amount;
    },
    stamp(ctx) { ctx.set(ctx.txId, ctx.height); return ctx.height; }, // a txId is 64 hex digits: the longest provable key
    note(ctx, a) { ctx.set('note', { by: ctx.sender, at: ctx.height, text: a }); return null; },
    loop() { for (;;) {} },
    alloc() { const a = []; for (;;) a.push(new ArrayBuffer(8 * 1024 * 1024)); },
    boom(ctx) { ctx.set('bal:x', 1); throw new Error('boom'); },
    now(ctx) { ctx.set('bal:x', 1); return Date.now(); },
    random(ctx) { ctx.set('bal:x', 1); return Math.random(); },
    host(ctx) { ctx.set('bal:x', 1); return issueCommand(new ArrayBuffer(1)); },
  },
  queries: {
    balance(ctx, a) { return ctx.get('bal:' + a.who) ?? 0; },
  },
})`;

/** Limits that make the allocation attack quick (as in contract-sandbox.test.ts). */
export const TEST_SANDBOX = { limits: { memoryBudgetBytes: 32 * 1024 * 1024, processMemoryBytes: 192 * 1024 * 1024 } };
