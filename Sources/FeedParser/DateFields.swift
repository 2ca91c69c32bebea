/// Why a date could not be read, in a few words for the warning.
struct DateReadFailure: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The civil fields a reader found, before they become a `Timestamp`.
struct DateFields {
    var year: Int
    var month: Int
    var day: Int
    var hour = 0
    var minute = 0
    var second = 0
    /// East of UTC, positive.
    var offsetSeconds = 0
    /// The weekday as written (0 for Sunday) and its text, checked against the date.
    var weekday: (value: Int, text: String)?
    /// What was ignored or guessed, one phrase each.
    var notes: [String] = []

    init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
    }
}
