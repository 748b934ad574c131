import Foundation

/// An inclusive range of added-at times, either bound optional.
///
/// The wire gives bounds as `YYYY-MM-DD HH:MM:SS` in Turkey time (UTC+03:00, no daylight saving);
/// both bounds include their whole second.
public struct DateFilter: Sendable, Hashable {
    /// Entries added at or after this instant match.
    public let start: Date?
    /// Entries added before the end of this second match.
    public let end: Date?

    /// No bounds: every entry matches.
    public static let none = DateFilter(start: nil, end: nil)

    /// Creates a filter from instants.
    public init(start: Date?, end: Date?) {
        self.start = start
        self.end = end
    }

    /// Parses wire bounds; `nil` or empty text means no bound, a malformed one is
    /// ``APIStatus/badRequest``.
    public init(startText: String?, endText: String?) throws(APIError) {
        start = try Self.bound(startText, name: "filter.start")
        end = try Self.bound(endText, name: "filter.end")
    }

    /// Whether no bound is set.
    public var isUnbounded: Bool { start == nil && end == nil }

    /// The lower bound in microseconds since 1970, inclusive.
    public var lowerMicroseconds: Int64? { start.map(\.microsecondsSince1970) }

    /// The upper bound in microseconds since 1970, exclusive: the end of the `end` second.
    public var upperMicrosecondsExclusive: Int64? {
        end.map { $0.microsecondsSince1970 + 1_000_000 }
    }

    /// Whether an entry added at `instant` matches.
    public func contains(_ instant: Date) -> Bool {
        let micros = instant.microsecondsSince1970
        if let lower = lowerMicroseconds, micros < lower { return false }
        if let upper = upperMicrosecondsExclusive, micros >= upper { return false }
        return true
    }

    private static func bound(_ text: String?, name: String) throws(APIError) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        guard let date = TurkeyTime.parse(text) else {
            throw APIError(.badRequest, "\(name) is not YYYY-MM-DD HH:MM:SS")
        }
        return date
    }
}

/// Wall-clock time in Turkey: UTC+03:00 all year since 2016.
public enum TurkeyTime {
    /// The offset from UTC, in seconds.
    public static let offsetSeconds: Int64 = 3 * 3600

    /// Parses exactly `YYYY-MM-DD HH:MM:SS` with a valid calendar date and time.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: " "), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
        else { return nil }
        func field(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(bytes[index]) - Int(UInt8(ascii: "0"))
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = field(0..<4), let month = field(5..<7), let day = field(8..<10),
            let hour = field(11..<13), let minute = field(14..<16), let second = field(17..<19),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let days = daysSince1970(year: year, month: month, day: day)
        let local = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return Date(timeIntervalSince1970: TimeInterval(local - offsetSeconds))
    }

    /// Formats `date` as `YYYY-MM-DD HH:MM:SS` in Turkey time (whole seconds, rounded down).
    public static func format(_ date: Date) -> String {
        let local = Int64(date.timeIntervalSince1970.rounded(.down)) + offsetSeconds
        let days = Int(local.floorDivided(by: 86_400))
        let secondOfDay = Int(local - Int64(days) * 86_400)
        let (year, month, day) = civilDate(daysSince1970: days)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) "
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days-from-civil algorithm: exact for the proleptic Gregorian calendar.
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilDate(daysSince1970 days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

extension Date {
    /// Microseconds since 1970-01-01T00:00:00Z, the resolution the stores keep.
    public var microsecondsSince1970: Int64 {
        Int64((timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// The instant `microseconds` after 1970-01-01T00:00:00Z.
    public init(microsecondsSince1970 microseconds: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(microseconds) / 1_000_000)
    }
}
