internal import CBuildInfo

/// What this binary was built from, for `feedd --version`.
public enum BuildInfo {
    /// The git commit (40 hex digits, with `-dirty` when the working tree had changes), or `unknown`
    /// when built outside a git checkout without `FEEDD_GIT_COMMIT` (Package.swift decides).
    public static let commit = String(cString: feedd_build_commit())
}
