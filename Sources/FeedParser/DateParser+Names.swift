/// Month, weekday and time-zone names, matched on words folded by `normalizedWord`: ASCII lower case,
/// Latin-1 accents dropped (`Mär` is `mar`, `déc` is `dec`), Greek lower case.
extension DateParser {
    /// Full month names in English, German, French, Spanish, Italian, Dutch, Portuguese, the Nordic
    /// languages and Hungarian. A word of three letters or more that starts one or more of these names,
    /// all of the same month, is that month: `Sept.`, `janv.`, `dic`, `okt`, `szept`.
    static let fullMonthNames: [(name: [UInt8], month: Int)] = {
        let names: [[String]] = [
            ["january", "januar", "janner", "janvier", "enero", "gennaio", "januari", "janeiro"],
            ["february", "februar", "feber", "fevrier", "febrero", "febbraio", "februari", "fevereiro"],
            ["march", "marz", "mars", "marzo", "maart", "marco", "marcius"],
            ["april", "avril", "abril", "aprile", "aprilis"],
            ["may", "mai", "mayo", "maggio", "mei", "maio", "maj", "majus"],
            ["june", "juni", "juin", "junio", "giugno", "junho", "junius"],
            ["july", "juli", "juillet", "julio", "luglio", "julho", "julius"],
            ["august", "aout", "agosto", "augustus", "augusti", "augusztus"],
            ["september", "septembre", "septiembre", "setiembre", "settembre", "setembro", "szeptember"],
            ["october", "oktober", "octobre", "octubre", "ottobre", "outubro"],
            ["november", "novembre", "noviembre", "novembro"],
            ["december", "dezember", "decembre", "diciembre", "dicembre", "dezembro", "desember"],
        ]
        return names.enumerated().flatMap { index, list in list.map { (Array($0.utf8), index + 1) } }
    }()

    /// Abbreviations that are not the start of a full name, and the Greek ones feedparser knows.
    static let exactMonthNames: [[UInt8]: Int] = {
        let names: [String: Int] = [
            "mrz": 3, "mrt": 3,
            "ιαν": 1, "φεβ": 2, "μάώ": 3, "μαώ": 3, "μάρ": 3, "μαρ": 3, "απρ": 4, "μάι": 5, "μαϊ": 5, "μαι": 5,
            "ιούν": 6, "ιουν": 6, "ιον": 6, "ιούλ": 7, "ιουλ": 7, "ιολ": 7, "αύγ": 8, "αυγ": 8, "σεπ": 9,
            "οκτ": 10, "νοέ": 11, "νοε": 11, "δεκ": 12,
        ]
        return Dictionary(uniqueKeysWithValues: names.map { (Array($0.key.utf8), $0.value) })
    }()

    /// Full weekday names (0 for Sunday) in the languages of the month names; prefixes of three letters
    /// or more count when they name one day only (`Thurs`, `mié`, `sáb`).
    static let fullWeekdayNames: [(name: [UInt8], weekday: Int)] = {
        let names: [[String]] = [
            ["sunday", "sonntag", "dimanche", "domingo", "domenica", "zondag", "sondag"],
            ["monday", "montag", "lundi", "lunes", "lunedi", "maandag", "segunda", "mandag"],
            ["tuesday", "dienstag", "mardi", "martes", "martedi", "dinsdag", "terca", "tirsdag", "tisdag"],
            ["wednesday", "mittwoch", "mercredi", "miercoles", "mercoledi", "woensdag", "quarta", "onsdag"],
            ["thursday", "donnerstag", "jeudi", "jueves", "giovedi", "donderdag", "quinta", "torsdag"],
            ["friday", "freitag", "vendredi", "viernes", "venerdi", "vrijdag", "sexta", "fredag"],
            ["saturday", "samstag", "sonnabend", "samedi", "sabado", "sabato", "zaterdag", "lordag"],
        ]
        return names.enumerated().flatMap { index, list in list.map { (Array($0.utf8), index) } }
    }()

    /// Two-letter German and Dutch abbreviations, and the Greek ones feedparser knows.
    static let exactWeekdayNames: [[UInt8]: Int] = {
        let names: [String: Int] = [
            "so": 0, "mo": 1, "di": 2, "mi": 3, "do": 4, "fr": 5, "sa": 6,
            "zo": 0, "ma": 1, "wo": 3, "vr": 5, "za": 6,
            "κυρ": 0, "δευ": 1, "τρι": 2, "τετ": 3, "πεμ": 4, "παρ": 5, "σαβ": 6,
        ]
        return Dictionary(uniqueKeysWithValues: names.map { (Array($0.key.utf8), $0.value) })
    }()

    /// Zone abbreviations and their offsets in minutes east of UTC. Where an abbreviation names several
    /// zones, the one feeds mean most often wins: CST is US Central (not China), IST is India (not
    /// Ireland or Israel), BST is British Summer Time (not Bangladesh).
    static let zoneNames: [[UInt8]: Int] = {
        let names: [String: Int] = [
            "ut": 0, "utc": 0, "gmt": 0, "z": 0, "uct": 0, "wet": 0, "west": 60, "bst": 60, "ist": 330,
            "cet": 60, "met": 60, "mez": 60, "cest": 120, "mest": 120, "mesz": 120, "eet": 120, "eest": 180,
            "msk": 180, "msd": 240, "wat": 60, "cat": 120, "sast": 120, "eat": 180, "pkt": 300, "npt": 345,
            "ict": 420, "wib": 420, "hkt": 480, "sgt": 480, "pht": 480, "awst": 480, "jst": 540, "kst": 540,
            "acst": 570, "acdt": 630, "aest": 600, "aedt": 660, "nzst": 720, "nzdt": 780,
            "at": -240, "ast": -240, "adt": -180, "nst": -210, "ndt": -150, "brt": -180, "brst": -120,
            "art": -180, "et": -300, "est": -300, "edt": -240, "ct": -360, "cst": -360, "cdt": -300,
            "mt": -420, "mst": -420, "mdt": -360, "pt": -480, "pst": -480, "pdt": -420, "akst": -540,
            "akdt": -480, "hst": -600, "hast": -600, "hadt": -540,
        ]
        return Dictionary(uniqueKeysWithValues: names.map { (Array($0.key.utf8), $0.value) })
    }()

    /// What a zone word means.
    enum ZoneName {
        case offset(seconds: Int)
        /// A military letter other than Z: RFC 822 gave them the wrong sign, so RFC 2822 says to treat
        /// them as unknown. Read as UTC with a warning.
        case military
    }

    static func zoneName(_ word: [UInt8]) -> ZoneName? {
        if let minutes = zoneNames[word] { return .offset(seconds: minutes * 60) }
        if word.count == 1, let letter = word.first, letter >= UInt8(ascii: "a"), letter <= UInt8(ascii: "y"),
            letter != UInt8(ascii: "j")
        {
            return .military
        }
        return nil
    }

    static func month(_ word: [UInt8]) -> Int? {
        if let month = exactMonthNames[word] { return month }
        return uniquePrefixMatch(word, in: fullMonthNames.lazy.map { ($0.name, $0.month) })
    }

    static func weekday(_ word: [UInt8]) -> Int? {
        if let weekday = exactWeekdayNames[word] { return weekday }
        return uniquePrefixMatch(word, in: fullWeekdayNames.lazy.map { ($0.name, $0.weekday) })
    }

    /// The value of the names the word starts, if it has three letters or more and they all agree.
    static func uniquePrefixMatch(
        _ word: [UInt8], in names: some Sequence<([UInt8], Int)>
    ) -> Int? {
        guard word.count >= 3 else { return nil }
        var found: Int?
        for (name, value) in names where name.count >= word.count && name.starts(with: word) {
            if let earlier = found, earlier != value { return nil }
            found = value
        }
        return found
    }

    /// Words skipped without a warning before the time: `26 de enero de 2004`, `January 29, 2021 at 4:42`.
    static let noiseWords: Set<[UInt8]> = Set(
        ["at", "on", "of", "the", "de", "del", "um", "am", "le", "el", "den", "der", "a", "y"].map { Array($0.utf8) })

    static let koreanMorning = Array("오전".utf8)
    static let koreanAfternoon = Array("오후".utf8)
    static let chineseMorning = Array("上午".utf8)
    static let chineseAfternoon = Array("下午".utf8)

    /// Korean and Chinese words for morning and afternoon, written before the time.
    static func meridiem(_ word: [UInt8]) -> (isAfternoon: Bool, isKorean: Bool)? {
        guard let first = word.first, first >= 0x80 else { return nil }
        if word == koreanMorning { return (false, true) }
        if word == koreanAfternoon { return (true, true) }
        if word == chineseMorning { return (false, false) }
        if word == chineseAfternoon { return (true, false) }
        return nil
    }

    enum DateUnit { case year, month, day }

    static let unitMarkers: [[UInt8]: (unit: DateUnit, isKorean: Bool)] = [
        Array("년".utf8): (.year, true), Array("월".utf8): (.month, true), Array("일".utf8): (.day, true),
        Array("年".utf8): (.year, false), Array("月".utf8): (.month, false), Array("日".utf8): (.day, false),
    ]

    /// Korean, Chinese and Japanese markers written after a number: `2004년 05월 28일`, `2004年5月28日`.
    static func unitMarker(_ word: [UInt8]) -> (unit: DateUnit, isKorean: Bool)? {
        guard let first = word.first, first >= 0x80 else { return nil }
        return unitMarkers[word]
    }

    /// Latin-1 letters U+00C0 to U+00DF (and U+00E0 to U+00FF) folded to ASCII; `_` keeps the letter.
    static let latin1Folding = Array("aaaaaa_ceeeeiiiidnooooo_ouuuuy__".utf8)

    /// Lower case, Latin-1 accents dropped, Greek capitals lowered: the form the name tables use.
    static func normalizedWord(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var word: [UInt8] = []
        word.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            let next: UInt8? = index + 1 < bytes.endIndex ? bytes[index + 1] : nil
            if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") {
                word.append(byte + 32)
            } else if byte == 0xC3, let next, next >= 0x80, next <= 0xBF {
                let folded = latin1Folding[Int(next & 0x1F)]
                if next == 0xBF {
                    word.append(UInt8(ascii: "y"))
                } else if folded != UInt8(ascii: "_") {
                    word.append(folded)
                } else {
                    word.append(contentsOf: [byte, next >= 0xA0 ? next : next + 0x20])
                }
                index += 2
                continue
            } else if byte == 0xCE, let next {
                switch next {
                case 0x91...0x9F: word.append(contentsOf: [0xCE, next + 0x20])  // Α-Ο to α-ο
                case 0xA0...0xAB: word.append(contentsOf: [0xCF, next - 0x20])  // Π-Ω, Ϊ, Ϋ to π-ω, ϊ, ϋ
                case 0x86: word.append(contentsOf: [0xCE, 0xAC])  // Ά
                case 0x88...0x8A: word.append(contentsOf: [0xCE, next + 0x25])  // Έ Ή Ί
                case 0x8C: word.append(contentsOf: [0xCF, 0x8C])  // Ό
                case 0x8E, 0x8F: word.append(contentsOf: [0xCF, next - 0x01])  // Ύ Ώ
                default: word.append(contentsOf: [byte, next])
                }
                index += 2
                continue
            } else {
                word.append(byte)
            }
            index += 1
        }
        return word
    }
}
