import Foundation

/// A workflow's schedule: a five-field cron expression (`minute hour day-of-month month
/// day-of-week`), read as Vixie cron reads it, in UTC. Each field takes `*`, a value, a range
/// `a-b`, a step `*/n`, `a-b/n` or `a/n`, and comma-separated lists of those; months and weekdays
/// also take names (`jan`, `mon`), and Sunday is 0 or 7. When both day fields are restricted a day
/// matching either runs (`0 9 1 * mon`: the 1st and every Monday); a field written with `*`
/// (`*/2` included) does not restrict. `@hourly`, `@daily` (`@midnight`), `@weekly`, `@monthly`,
/// `@yearly` (`@annually`) stand for their usual expressions.
public struct CronSchedule: Sendable, Equatable {
    public let expression: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    /// 0 (Sunday) to 6.
    let weekdays: Set<Int>
    let daysRestricted: Bool
    let weekdaysRestricted: Bool

    public init(_ expression: String) throws(CronError) {
        self.expression = expression
        let text = expression.trimmingCharacters(in: .whitespaces).lowercased()
        let expanded = Self.macros[text] ?? text
        if text.hasPrefix("@") && Self.macros[text] == nil { throw CronError(expression, "unknown macro '\(text)'") }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronError(expression, "needs 5 fields (minute hour day-of-month month day-of-week), has \(fields.count)")
        }
        minutes = try Self.parse(fields[0], expression, Field(name: "minute", range: 0...59))
        hours = try Self.parse(fields[1], expression, Field(name: "hour", range: 0...23))
        days = try Self.parse(fields[2], expression, Field(name: "day of month", range: 1...31))
        months = try Self.parse(fields[3], expression, Field(name: "month", range: 1...12, names: Self.monthNames, firstName: 1))
        weekdays = Set(try Self.parse(fields[4], expression, Field(name: "day of week", range: 0...7, names: Self.weekdayNames, firstName: 0)).map { $0 % 7 })
        daysRestricted = !fields[2].hasPrefix("*")
        weekdaysRestricted = !fields[4].hasPrefix("*")
        guard next(after: Date(timeIntervalSince1970: 0)) != nil else {
            throw CronError(expression, "names no day that exists (e.g. the 30th of February)")
        }
    }

    /// The first time after `date` (whole minutes, UTC) the schedule names; nil when there is
    /// none (a day such as 31 April never comes). The search spans 400 years, the Gregorian
    /// calendar's cycle: a date that must also be a given weekday (`0 0 29 2 mon`) can be decades apart.
    public func next(after date: Date) -> Date? {
        let start = (date.timeIntervalSince1970 / 60).rounded(.down) + 1
        guard start.isFinite, abs(start) < 1e12 else { return nil }
        var time = CivilTime(minutesSinceEpoch: Int(start))
        let limit = time.year + 400
        while time.year <= limit {
            if !months.contains(time.month) {
                time = CivilTime(year: time.year + time.month / 12, month: time.month % 12 + 1, day: 1, hour: 0, minute: 0)
            } else if !matchesDay(time) {
                time = CivilTime(minutesSinceEpoch: (time.daysSinceEpoch + 1) * 1440)
            } else if !hours.contains(time.hour) {
                time = CivilTime(minutesSinceEpoch: (time.daysSinceEpoch * 24 + time.hour + 1) * 60)
            } else if !minutes.contains(time.minute) {
                time = CivilTime(minutesSinceEpoch: time.minutesSinceEpoch + 1)
            } else {
                return Date(timeIntervalSince1970: Double(time.minutesSinceEpoch) * 60)
            }
        }
        return nil
    }

    func matchesDay(_ time: CivilTime) -> Bool {
        let day = days.contains(time.day)
        let weekday = weekdays.contains(time.weekday)
        return daysRestricted && weekdaysRestricted ? day || weekday : day && weekday
    }

    static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let weekdayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    struct Field {
        let name: String
        let range: ClosedRange<Int>
        var names: [String] = []
        /// The value of `names[0]`.
        var firstName = 0
    }

    static func parse(_ text: String, _ expression: String, _ field: Field) throws(CronError) -> Set<Int> {
        var values: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2, let span = pieces.first, !span.isEmpty else { throw CronError(expression, "\(field.name): '\(part)' is not a value, range or step") }
            var step = 1
            if pieces.count == 2 {
                guard let value = Int(pieces[1]), value > 0 else { throw CronError(expression, "\(field.name): the step in '\(part)' must be a positive number") }
                step = value
            }
            let bounds: ClosedRange<Int>
            if span == "*" {
                bounds = field.range
            } else if let dash = span.firstIndex(of: "-") {
                let low = try value(String(span[..<dash]), part, expression, field)
                var high = try value(String(span[span.index(after: dash)...]), part, expression, field)
                if field.range.upperBound == 7 && high == 0 { high = 7 }  // `fri-sun`: Sunday as 7 ends a range of weekdays
                guard low <= high else { throw CronError(expression, "\(field.name): the range '\(span)' runs backwards") }
                bounds = low...high
            } else {
                let start = try value(span, part, expression, field)
                bounds = pieces.count == 2 ? start...field.range.upperBound : start...start
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return values
    }

    static func value(_ text: String, _ part: String, _ expression: String, _ field: Field) throws(CronError) -> Int {
        if let index = field.names.firstIndex(of: text) { return index + field.firstName }
        guard let value = Int(text), field.range.contains(value) else {
            throw CronError(expression, "\(field.name): '\(text)' in '\(part)' is not in \(field.range.lowerBound)-\(field.range.upperBound)")
        }
        return value
    }
}

/// Why a cron expression cannot be read.
public struct CronError: Error, Equatable, Sendable, CustomStringConvertible {
    public let expression: String
    public let reason: String

    init(_ expression: String, _ reason: String) {
        self.expression = expression
        self.reason = reason
    }

    public var description: String { "schedule '\(expression)': \(reason)" }
}

/// A minute of the proleptic Gregorian calendar in UTC, from and to minutes since 1970 without
/// Foundation's calendars (Howard Hinnant's days-from-civil algorithms).
struct CivilTime: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        (self.year, self.month, self.day, self.hour, self.minute) = (year, month, day, hour, minute)
    }

    init(minutesSinceEpoch: Int) {
        let days = Int((Double(minutesSinceEpoch) / 1440).rounded(.down))
        let inDay = minutesSinceEpoch - days * 1440
        (hour, minute) = (inDay / 60, inDay % 60)
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    var daysSinceEpoch: Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    var minutesSinceEpoch: Int { (daysSinceEpoch * 24 + hour) * 60 + minute }

    /// 0 (Sunday) to 6; 1 January 1970 was a Thursday.
    var weekday: Int { ((daysSinceEpoch % 7) + 11) % 7 }
}
