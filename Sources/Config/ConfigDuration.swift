/// A length of time written as in the configuration: a number and a unit, possibly several
/// (`"90s"`, `"10m"`, `"2h"`, `"1d"`, `"1h30m"`, `"500ms"`). Units: `ms`, `s`, `m`, `h`, `d` (24 h), `w`.
public struct ConfigDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in milliseconds (never negative).
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = max(0, milliseconds)
    }

    public static func seconds(_ seconds: Int64) -> ConfigDuration { ConfigDuration(milliseconds: seconds * 1000) }
    public static func minutes(_ minutes: Int64) -> ConfigDuration { .seconds(minutes * 60) }
    public static func hours(_ hours: Int64) -> ConfigDuration { .seconds(hours * 3600) }
    public static func days(_ days: Int64) -> ConfigDuration { .seconds(days * 86_400) }

    /// The same length as a Swift `Duration`.
    public var duration: Duration { .milliseconds(milliseconds) }

    /// Whole seconds, rounded down.
    public var seconds: Int64 { milliseconds / 1000 }

    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// Parses `"1h30m"`; nil for anything else (no unit, an unknown unit, a sign, spaces, overflow).
    public init?(parsing text: String) {
        var total: Int64 = 0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let number = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix { $0.isASCII && $0.isLetter }
            guard let unit = Self.units.first(where: { $0.suffix == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            let (product, overflow) = number.multipliedReportingOverflow(by: unit.milliseconds)
            guard !overflow else { return nil }
            let (sum, overflowSum) = total.addingReportingOverflow(product)
            guard !overflowSum else { return nil }
            total = sum
        }
        milliseconds = total
    }

    /// The shortest form: `"1h30m"`, `"90d"`, `"0s"`.
    public var description: String {
        guard milliseconds > 0 else { return "0s" }
        var rest = milliseconds
        var text = ""
        // Weeks are left to days: "14d" reads better than "2w".
        for unit in Self.units where unit.suffix != "w" && rest >= unit.milliseconds {
            text += "\(rest / unit.milliseconds)\(unit.suffix)"
            rest %= unit.milliseconds
        }
        return text
    }

    public static func < (lhs: ConfigDuration, rhs: ConfigDuration) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }
}

/// A number of bytes: an integer, or a string with a unit (`"32MiB"`, `"64KiB"`, `"10MB"`, `"512B"`).
/// `KiB`, `MiB`, `GiB` count in 1024s, `KB`, `MB`, `GB` in 1000s.
public struct ByteSize: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: Int64

    public init(bytes: Int64) {
        self.bytes = max(0, bytes)
    }

    public static func kibibytes(_ value: Int64) -> ByteSize { ByteSize(bytes: value << 10) }
    public static func mebibytes(_ value: Int64) -> ByteSize { ByteSize(bytes: value << 20) }

    private static let units: [(suffix: String, factor: Int64)] = [
        ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000), ("MB", 1_000_000),
        ("KB", 1000), ("kB", 1000), ("B", 1), ("", 1),
    ]

    /// Parses `"32MiB"` or `"1000"`; spaces between number and unit are allowed.
    public init?(parsing text: String) {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int64(digits) else { return nil }
        let unitText = text.dropFirst(digits.count).drop { $0 == " " }
        guard let unit = Self.units.first(where: { $0.suffix == unitText }) else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: unit.factor)
        guard !overflow else { return nil }
        bytes = product
    }

    /// `"32MiB"` when a whole number of a binary unit, else the byte count.
    public var description: String {
        for unit in Self.units.prefix(3) where bytes >= unit.factor && bytes % unit.factor == 0 {
            return "\(bytes / unit.factor)\(unit.suffix)"
        }
        return "\(bytes)B"
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }
}
