/**
 * What stands in for a module rdd never loads (dockerode's SSH and gRPC
 * transports, see dockerode.ts): every member is a function that throws,
 * naming the module, so a path that ever reached one fails with a clear
 * message instead of an undefined. A plain function, so that `new Client()`
 * reaches the throw too. The bundle (`scripts/bundle.mjs`) builds these in at
 * build time; code run from node_modules gets them through the require cache.
 */
export function unusedModule(id: string): object {
  return new Proxy(
    {},
    {
      get: (_target, member) =>
        function unused(): never {
          throw new Error(`rdd does not load ${id} (${String(member)}): it reaches engines over Unix sockets only`);
        },
    },
  );
}
