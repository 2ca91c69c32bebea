internal import CLibXML2

/// The libxml2 feedd runs with.
public enum XMLLibrary {
    /// The version of the libxml2 loaded at run time, dotted ("2.9.14"), from its `xmlParserVersion`
    /// ("20914"); the raw text when it is not in that form.
    public static var version: String {
        guard let raw = feedd_xml_parser_version() else { return "unknown" }
        return dotted(String(cString: raw))
    }

    /// "20914" → "2.9.14", "21203" → "2.12.3": major × 10000 + minor × 100 + patch.
    static func dotted(_ number: String) -> String {
        guard let value = Int(number.prefix { $0.isNumber }), value > 0 else { return number }
        return "\(value / 10000).\(value / 100 % 100).\(value % 100)"
    }
}
