// oidc-provider ships no type declarations: the little of it tests/helpers/oidcProvider.ts uses, loosely typed
declare module 'oidc-provider' {
  export type Configuration = Record<string, any>
  const Provider: any
  type Provider = any
  export default Provider
}
