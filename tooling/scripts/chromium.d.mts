export type ChromiumPlan =
  | { readonly action: "none" }
  | { readonly action: "install"; readonly argv: string[] }
  | { readonly action: "impossible"; readonly message: string }
export declare const CJK_FONT: string
export declare const chromiumPlan: (m: {
  path: string
  exists: boolean
  /** Whether fonts-noto-cjk is installed (absent: not checked). */
  fontExists?: boolean
  isRoot: boolean
  hasAptGet: boolean
  hasSudo: boolean
}) => ChromiumPlan
export declare const ensureChromium: (env?: NodeJS.ProcessEnv) => boolean
