// What `require('howold')` gets where Node cannot load ES modules synchronously (before 20.19, or with
// --no-experimental-require-module): a clear error. Node >= 20.19 requires the ES module itself ("module-sync").
throw Object.assign(
  new Error("howold is an ES module: use `const howold = await import('howold')` (or Node >= 20.19, where require('howold') loads it)"),
  { code: 'ERR_REQUIRE_ESM' },
);
