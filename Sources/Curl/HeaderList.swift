internal import CCurl

/// An owned `curl_slist` of request header lines, freed when the owner is done with it.
///
/// The easy handle keeps it for as long as `CURLOPT_HTTPHEADER` points at it.
struct HeaderList: ~Copyable {
    private(set) var pointer: UnsafeMutablePointer<curl_slist>?

    /// Builds the list from `Name: value` fields, then `Name:` lines that stop curl from sending
    /// its own field of each name in `removing`; rejects names or values with line breaks.
    init(_ fields: [HeaderField], removing removed: [String] = []) throws(CurlError) {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for field in fields {
            let isValid =
                !field.name.isEmpty
                && !field.name.contains(where: { $0 == ":" || $0.isNewline || $0 == " " })
                && !field.value.contains(where: \.isNewline)
            guard isValid else {
                curl_slist_free_all(list)
                throw .invalidHeader(name: field.name)
            }
            // "Name:" with nothing after it would make curl remove the header; "Name;" sends it empty.
            let line = field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)"
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw .handleCreation
            }
            list = appended
        }
        for name in removed {
            guard let appended = curl_slist_append(list, "\(name):") else {
                curl_slist_free_all(list)
                throw .handleCreation
            }
            list = appended
        }
        pointer = list
    }

    deinit {
        curl_slist_free_all(pointer)
    }
}
