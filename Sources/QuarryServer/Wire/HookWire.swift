import Hummingbird
import QuarryCore

/// A workflow's webhook URL, told once: only its digest is kept.
struct HookBody: ResponseEncodable {
    let url: String
}

/// A run a webhook started.
struct HookRunBody: ResponseEncodable {
    let runId: String
    let status: Run.Status

    enum CodingKeys: String, CodingKey { case runId = "run_id", status }
}
