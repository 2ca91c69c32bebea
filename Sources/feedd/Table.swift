import FeedModel
import Platform

/// How a listing command writes: aligned columns with a header (and colour, unless `NO_COLOR` is set)
/// when standard output is a terminal, tab-separated lines without colour when it is piped.
struct TableStyle {
    var terminal: Bool
    var colour: Bool

    /// Decided from standard output and the environment (`NO_COLOR` set to anything turns colour off).
    static var current: TableStyle {
        let terminal = StandardStream.output.isTerminal
        let noColour = Environment.value("NO_COLOR").map { !$0.isEmpty } ?? false
        return TableStyle(terminal: terminal, colour: terminal && !noColour)
    }
}

/// The colour of a cell on a terminal.
enum CellColour: String {
    case plain = ""
    case red = "31"
    case yellow = "33"
    case green = "32"
    case dim = "2"
}

/// One cell: its text and its colour on a terminal.
struct Cell: ExpressibleByStringInterpolation {
    var text: String
    var colour: CellColour = .plain

    init(_ text: String, _ colour: CellColour = .plain) {
        self.text = text
        self.colour = colour
    }

    init(stringLiteral value: String) { self.init(value) }
}

/// The table renderer shared by `feeds`, `items`, `deliveries` and `held`.
///
/// On a terminal: a header, columns padded to their widest cell (display width: one column per
/// grapheme cluster, two for East Asian wide characters and emoji), cells longer than `maxWidth`
/// cut with "…", colour codes around coloured cells. Piped: the cells joined by tabs, exactly as
/// before, and the header only when `headerWhenPiped` (the `feeds` listing has always had one).
struct Table {
    var header: [String]
    var rows: [[Cell]] = []
    /// The widest a cell may be on a terminal (the last column is never padded, only cut).
    var maxWidth = 60
    var headerWhenPiped = false

    mutating func add(_ row: [Cell]) { rows.append(row) }

    func lines(style: TableStyle) -> [String] {
        guard style.terminal else {
            let body = rows.map { $0.map(\.text).joined(separator: "\t") }
            return headerWhenPiped ? [header.joined(separator: "\t")] + body : body
        }
        let shown = rows.map { $0.map { Cell(Table.cut($0.text, to: maxWidth), $0.colour) } }
        var widths = header.map(Table.width)
        for row in shown {
            for (column, cell) in row.enumerated() where column < widths.count {
                widths[column] = max(widths[column], Table.width(cell.text))
            }
        }
        func render(_ row: [Cell], bold: Bool) -> String {
            var parts: [String] = []
            for (column, cell) in row.enumerated() {
                let last = column == row.count - 1
                let padding = last ? "" : String(repeating: " ", count: max(0, widths[column] - Table.width(cell.text)))
                var text = cell.text
                let code = bold ? "1" : cell.colour.rawValue
                if style.colour && !code.isEmpty { text = "\u{1B}[\(code)m\(text)\u{1B}[0m" }
                parts.append(text + padding)
            }
            return parts.joined(separator: "  ")
        }
        return [render(header.map { Cell($0) }, bold: true)] + shown.map { render($0, bold: false) }
    }

    func write(style: TableStyle = .current, to output: inout LineOutput) {
        for line in lines(style: style) { output.line(line) }
    }

    /// Columns `text` takes on a terminal: one per grapheme cluster (so "é" written as e + accent is
    /// one), two for wide ones (CJK, Hangul, full-width forms, emoji), none for control characters.
    static func width(_ text: String) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    static func width(of character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        if scalar.properties.generalCategory == .control { return 0 }
        let value = scalar.value
        let wide: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD,
        ]
        return wide.contains { $0.contains(value) } ? 2 : 1
    }

    /// `text` cut to at most `limit` columns, ending in "…" when cut.
    static func cut(_ text: String, to limit: Int) -> String {
        guard width(text) > limit else { return text }
        var result = ""
        var used = 0
        for character in text {
            let next = width(of: character)
            if used + next > limit - 1 { break }
            result.append(character)
            used += next
        }
        return result + "…"
    }
}

/// "1 feed", "2 feeds": the one place where words agree with numbers.
func plural(_ count: Int, _ singular: String, _ pluralForm: String? = nil) -> String {
    "\(count) \(count == 1 ? singular : (pluralForm ?? singular + "s"))"
}
