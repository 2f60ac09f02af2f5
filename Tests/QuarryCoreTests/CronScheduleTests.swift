import Foundation
import QuarryCore
import Testing

@Suite("Cron schedules")
struct CronScheduleTests {
    /// "2026-11-27T10:15:30Z" as a date.
    static func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    /// The next `count` ticks after `start`, as ISO 8601 text.
    static func ticks(_ expression: String, after start: String, count: Int = 3) throws -> [String] {
        let schedule = try CronSchedule(expression)
        var cursor = utc(start)
        var result: [String] = []
        for _ in 0..<count {
            guard let tick = schedule.next(after: cursor) else { break }
            result.append(ISO8601DateFormatter().string(from: tick))
            cursor = tick
        }
        return result
    }

    @Test("every field form: values, ranges, steps, lists, names; ticks strictly after the given time, in UTC")
    func fields() throws {
        #expect(try Self.ticks("* * * * *", after: "2026-11-27T10:15:30Z") == ["2026-11-27T10:16:00Z", "2026-11-27T10:17:00Z", "2026-11-27T10:18:00Z"])
        #expect(try Self.ticks("*/20 * * * *", after: "2026-11-27T10:40:00Z") == ["2026-11-27T11:00:00Z", "2026-11-27T11:20:00Z", "2026-11-27T11:40:00Z"])
        #expect(try Self.ticks("5,50 9-10 * * *", after: "2026-11-27T09:05:00Z", count: 4)
            == ["2026-11-27T09:50:00Z", "2026-11-27T10:05:00Z", "2026-11-27T10:50:00Z", "2026-11-28T09:05:00Z"])
        #expect(try Self.ticks("0 8-18/5 * * *", after: "2026-11-27T00:00:00Z") == ["2026-11-27T08:00:00Z", "2026-11-27T13:00:00Z", "2026-11-27T18:00:00Z"])
        #expect(try Self.ticks("30 23 * DEC,jan *", after: "2026-11-27T00:00:00Z", count: 2) == ["2026-12-01T23:30:00Z", "2026-12-02T23:30:00Z"])
        #expect(try Self.ticks("0 0 1 */4 *", after: "2026-11-27T00:00:00Z") == ["2027-01-01T00:00:00Z", "2027-05-01T00:00:00Z", "2027-09-01T00:00:00Z"])
        #expect(try Self.ticks("15 10 * * *", after: "2026-11-27T10:15:00Z", count: 1) == ["2026-11-28T10:15:00Z"], "a tick at the given time is not after it")
        #expect(try Self.ticks("0 12 * * 1/2", after: "2026-11-27T00:00:00Z") == ["2026-11-27T12:00:00Z", "2026-11-29T12:00:00Z", "2026-11-30T12:00:00Z"],
                "1/2 on weekdays is 1-7/2: Monday, Wednesday, Friday and 7, Sunday (27 Nov 2026 is a Friday)")
    }

    @Test("weekdays: Sunday is 0 and 7; with both day fields restricted either matches, a field led by * does not restrict")
    func days() throws {
        #expect(try Self.ticks("0 0 * * 0", after: "2026-11-27T00:00:00Z", count: 1) == ["2026-11-29T00:00:00Z"])
        #expect(try Self.ticks("0 0 * * 7", after: "2026-11-27T00:00:00Z", count: 1) == ["2026-11-29T00:00:00Z"])
        #expect(try Self.ticks("0 0 * * sat-sun", after: "2026-11-27T00:00:00Z", count: 2) == ["2026-11-28T00:00:00Z", "2026-11-29T00:00:00Z"])
        #expect(try Self.ticks("0 9 1 * mon", after: "2026-11-27T00:00:00Z", count: 3) == ["2026-11-30T09:00:00Z", "2026-12-01T09:00:00Z", "2026-12-07T09:00:00Z"],
                "the 1st or a Monday")
        #expect(try Self.ticks("0 9 */2 * mon", after: "2026-11-27T00:00:00Z", count: 2) == ["2026-12-07T09:00:00Z", "2026-12-21T09:00:00Z"],
                "*/2 does not restrict (as Vixie cron): odd days that are Mondays")
    }

    @Test("months' lengths and leap years: the 31st skips short months, 29 February waits for a leap year")
    func calendar() throws {
        #expect(try Self.ticks("0 0 31 * *", after: "2027-01-31T00:00:00Z", count: 2) == ["2027-03-31T00:00:00Z", "2027-05-31T00:00:00Z"])
        #expect(try Self.ticks("0 0 29 2 *", after: "2026-11-27T00:00:00Z", count: 2) == ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"])
        #expect(try Self.ticks("0 0 29 2 *", after: "2097-03-01T00:00:00Z", count: 1) == ["2104-02-29T00:00:00Z"], "2100 is no leap year")
        #expect(try Self.ticks("59 23 31 12 *", after: "2026-12-31T23:58:00Z", count: 2) == ["2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z"])
        // Found by the fuzzed test: 9 June that is a Sunday (*/7 does not restrict, so both must hold) comes 11 years apart.
        #expect(try Self.ticks("0 0 9 6 */7", after: "2030-06-10T00:00:00Z", count: 1) == ["2041-06-09T00:00:00Z"])
    }

    @Test("macros stand for their expressions")
    func macros() throws {
        #expect(try Self.ticks("@hourly", after: "2026-11-27T10:15:00Z", count: 1) == ["2026-11-27T11:00:00Z"])
        #expect(try Self.ticks("@daily", after: "2026-11-27T10:15:00Z", count: 1) == ["2026-11-28T00:00:00Z"])
        #expect(try Self.ticks("@weekly", after: "2026-11-27T10:15:00Z", count: 1) == ["2026-11-29T00:00:00Z"])
        #expect(try Self.ticks("@monthly", after: "2026-11-27T10:15:00Z", count: 1) == ["2026-12-01T00:00:00Z"])
        #expect(try Self.ticks("@annually", after: "2026-11-27T10:15:00Z", count: 1) == ["2027-01-01T00:00:00Z"])
    }

    @Test("what does not read is refused with the field and the reason")
    func refused() {
        let cases: [(String, String)] = [
            ("", "needs 5 fields"),
            ("* * * *", "has 4"),
            ("* * * * * *", "has 6"),
            ("60 * * * *", "minute: '60'"),
            ("* 24 * * *", "hour: '24'"),
            ("* * 0 * *", "day of month: '0'"),
            ("* * * 13 *", "month: '13'"),
            ("* * * * 8", "day of week: '8'"),
            ("*/0 * * * *", "step"),
            ("5-1 * * * *", "runs backwards"),
            ("1,,2 * * * *", "minute"),
            ("* * * foo *", "month: 'foo'"),
            ("@reboot", "unknown macro"),
            ("0 0 30 2 *", "no day that exists"),
        ]
        for (expression, reason) in cases {
            #expect(throws: CronError.self, "\(expression)") { try CronSchedule(expression) }
            do {
                _ = try CronSchedule(expression)
            } catch {
                #expect(error.description.contains(reason), "\(expression): \(error)")
            }
        }
    }

    @Test("fuzzed: 20,000 generated expressions either read, with a next tick after any date, or are refused with a reason")
    func fuzzed() {
        var random = SeededGenerator(seed: 7)
        let alphabet = Array("0123456789*/,-  @abcdefghijklmnopqrstuvwxyz") + ["\t", "\u{0}", "é", "٣"]
        // Mostly values every field takes, now and then one past a field's range.
        func number() -> String { String(Int.random(in: 0..<10, using: &random) == 0 ? Int.random(in: 0...99, using: &random) : Int.random(in: 1...12, using: &random)) }
        func field() -> String {
            switch Int.random(in: 0..<8, using: &random) {
            case 0: "*"
            case 1: "*/" + number()
            case 2: number() + "-" + number()
            case 3: number() + "-" + number() + "/" + number()
            case 4: number() + "," + number()
            case 5: ["jan", "dec", "mon", "sun", "foo"].randomElement(using: &random)!
            case 6: String((0..<Int.random(in: 0...4, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            default: number()
            }
        }
        var read = 0
        for round in 0..<20_000 {
            let text = round % 4 == 0
                ? String((0..<Int.random(in: 0...24, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
                : (0..<(Int.random(in: 0..<10, using: &random) == 0 ? Int.random(in: 3...7, using: &random) : 5)).map { _ in field() }.joined(separator: " ")
            do {
                let schedule = try CronSchedule(text)
                let date = Date(timeIntervalSince1970: Double.random(in: 0...4_000_000_000, using: &random))
                let next = schedule.next(after: date)
                #expect(next.map { $0 > date } == true, "[\(text)] after \(date): \(String(describing: next))")
                read += 1
            } catch {
                #expect(!error.reason.isEmpty)
            }
        }
        #expect(read > 500, "only \(read) generated expressions read: the generator tests little")
    }

    @Test("a workflow's schedule is checked with its graph")
    func validatedWithTheWorkflow() {
        var workflow = Workflow(id: "w", tenant: "acme", name: "w", nodes: [.init(id: "a", type: "noop")], edges: [], schedule: "*/15 * * * *")
        #expect(throws: Never.self) { try workflow.validate() }
        workflow.schedule = "every day"
        #expect {
            try workflow.validate()
        } throws: { error in
            "\(error)" == "schedule 'every day': needs 5 fields (minute hour day-of-month month day-of-week), has 2"
        }
    }
}
