import Foundation
import QuarryCore
import QuarryEmbedded
import Synchronization
import Testing

/// The retry schedule; what every queue does is in QuarryContractTests.
@Suite("embedded job queue")
struct SQLiteJobQueueTests {
    @Test("Dramatiq's backoff doubles, is capped, and adds at most half again")
    func backoff() {
        let backoff = Backoff(minimum: .seconds(15), maximum: .seconds(100))
        #expect(backoff.delay(afterAttempt: 1, jitter: 0) == .seconds(15))
        #expect(backoff.delay(afterAttempt: 3, jitter: 0) == .seconds(60))
        #expect(backoff.delay(afterAttempt: 10, jitter: 0) == .seconds(100))
        #expect(backoff.delay(afterAttempt: 2, jitter: 0.5) == .seconds(45))
    }
}
