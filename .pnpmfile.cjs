// @solana/kit and its sub-packages declare `typescript` as an optional peer (for their types only). pnpm
// satisfies it from the workspace's dev tooling and locks it in, so `pnpm deploy --prod` of the apps would ship
// the compiler. Dropping that optional peer keeps production installs free of dev tooling (check-deps --deploy).
module.exports = {
  hooks: {
    readPackage(pkg) {
      const meta = pkg.peerDependenciesMeta
      if (/^@solana(-program)?\//.test(pkg.name) && meta?.typescript?.optional === true) {
        delete pkg.peerDependencies.typescript
        delete meta.typescript
      }
      return pkg
    },
  },
}
