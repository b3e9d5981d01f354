// Browser stand-in for node's `util`: the library only uses `inspect.custom` (a REPL printing hook on the
// ADMM state); node defines it as this registered symbol, so objects behave the same in both places.
export const inspect = { custom: Symbol.for('nodejs.util.inspect.custom') };
