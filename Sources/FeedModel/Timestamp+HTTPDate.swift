extension Timestamp {
    /// Reads the three date formats of RFC 9110 section 5.6.7 (`Date`, `Expires`, `Retry-After`,
    /// `Last-Modified`): IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850
    /// `Sunday, 06-Nov-94 08:49:37 GMT` and asctime `Sun Nov  6 08:49:37 1994`. The weekday is not
    /// checked, as the RFC allows. Nil when `text` is none of them (e.g. `Expires: 0`).
    ///
    /// The fetcher and the webhook hook both read these; feed dates go through the parser's far more
    /// forgiving date reader instead.
    public init?(httpDate text: String) {
        var day: Int?
        var month: Int?
        var year: Int?
        var time: (Int, Int, Int)?
        for token in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" }) {
            if token.contains(":") {
                let parts = token.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 3 else { return nil }
                time = (parts[0], parts[1], parts[2])
            } else if let number = Int(token) {
                if day == nil, token.count <= 2 {
                    day = number
                } else if token.count == 4 {
                    year = number
                } else if token.count == 2 {
                    // RFC 850's two-digit year: RFC 9110 says to read it as the nearest past century's.
                    year = number < 70 ? 2000 + number : 1900 + number
                } else {
                    return nil
                }
            } else if let index = Self.httpMonths.firstIndex(of: token.lowercased()) {
                month = index + 1
            }
        }
        guard let day, let month, let year, let (hour, minute, second) = time else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    private static let httpMonths = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
}
