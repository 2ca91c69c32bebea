internal import Foundation

/// Whether the folders hooks write into can be used, for `feedd check` (`ConfigLoader.checksOutputPaths`):
/// a `jsonl` file's folder and a Maildir are made when missing, with their parents, so they are a
/// problem only when they cannot be made: a file stands where a folder should, or the nearest folder
/// that exists is not writable (for the user running the check) or on a read-only file system. An
/// exec hook's `working_directory` must exist. A folder that cannot be looked into is given the
/// benefit of the doubt (the service's user may see more than the one checking).
enum OutputPathCheck {
    /// The problem with writing a file into `folder` (made when missing), or nil.
    static func problem(creating folder: String) -> String? {
        var candidate = folder
        while true {
            switch kind(of: candidate) {
            case .directory:
                if candidate == folder { return nil }
                if !FileManager.default.isWritableFile(atPath: candidate) {
                    return "the folder \(folder) does not exist and cannot be made: \(candidate) is not writable"
                }
                return nil
            case .file:
                if candidate == folder { return "\(folder) is a file, not a folder" }
                return "the folder \(folder) cannot be made: \(candidate) is a file, not a folder"
            case .unknown:
                return nil
            case .missing:
                let parent = FilePaths.directory(of: candidate)
                if parent == candidate { return nil }
                candidate = parent
            }
        }
    }

    /// The problem with running a program in `folder`, or nil.
    static func problem(existing folder: String) -> String? {
        switch kind(of: folder) {
        case .directory, .unknown: nil
        case .file: "\(folder) is a file, not a folder"
        case .missing: "the folder \(folder) does not exist"
        }
    }

    private enum Kind { case directory, file, missing, unknown }

    /// What is at `path`; `.unknown` when its parent cannot be looked into.
    private static func kind(of path: String) -> Kind {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            return isDirectory.boolValue ? .directory : .file
        }
        let parent = FilePaths.directory(of: path)
        var parentIsDirectory: ObjCBool = false
        if parent != path && FileManager.default.fileExists(atPath: parent, isDirectory: &parentIsDirectory)
            && parentIsDirectory.boolValue && !FileManager.default.isExecutableFile(atPath: parent)
        {
            return .unknown
        }
        return .missing
    }
}
