internal import CBuildInfo

/// What this binary was built from, for `feedd --version`.
public enum BuildInfo {
    /// The git commit (40 hex digits, with `-dirty` when the working tree had changes) from
    /// `$FEEDD_GIT_COMMIT` at build time (scripts/install and scripts/test set it), else `unknown`.
    public static let commit = String(cString: feedd_build_commit())
}
