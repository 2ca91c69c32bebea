import CLibXML2

/// HTML 4 named character references, from libxml2's table.
public enum HTMLEntities {
    /// The code point of `&name;` (name without `&` and `;`), or nil.
    public static func codePoint(named name: String) -> UInt32? {
        guard let entry = htmlEntityLookup(name) else { return nil }
        return entry.pointee.value
    }
}
