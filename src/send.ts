// The symbol of the method `request()` and the helpers send through. Its own module so that code
// which only recognises a client (input checks in entra, jose, keys) does not pull the client in.

/** @internal The method `request()` and the helpers send through: one call with a body reader. */
export const send: unique symbol = Symbol("keyvault-fetch.send");
