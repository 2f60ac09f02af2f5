import ArgumentParser
import Foundation
import QuarryHTTP
import QuarryServer

/// `quarry index --server`: submits the job to `POST /api/v1/index-jobs` and follows its status
/// (every 1 to 5 seconds) until it ends, with the same progress line as a job run here.
struct RemoteIndexJob {
    let server: String
    let token: String
    let client = HTTPClient(retries: 3)

    func run(paths: [String], urls: [String]) async throws -> IndexJobBody {
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        let request = try JSONSerialization.data(withJSONObject: ["paths": paths, "urls": urls])
        var body = try await send(HTTPRequest(method: "POST", url: base + "/api/v1/index-jobs", headers: headers(json: true), body: request))
        FileHandle.standardError.write(Data("index job \(body.id): \(base)\(body.statusUrl)\n".utf8))
        let progress = ProgressLine()
        let start = ContinuousClock.now
        while true {
            progress.update(IndexCommand.line(body), done: body.isFinished)
            if body.isFinished { return body }
            // Every second at first, then less often as the job proves long: each look reads
            // every document of the job on the server.
            try await Task.sleep(for: min(max((ContinuousClock.now - start) / 10, .seconds(1)), .seconds(5)))
            body = try await send(HTTPRequest(url: base + body.statusUrl, headers: headers(json: false)))
        }
    }

    func headers(json: Bool) -> [(String, String)] {
        [("Authorization", "Bearer " + token), ("Accept", "application/json")] + (json ? [("Content-Type", "application/json")] : [])
    }

    /// The job from a 2xx answer; the server's own message for an error.
    func send(_ request: HTTPRequest) async throws -> IndexJobBody {
        let response: HTTPResponse
        do {
            response = try await client.send(request)
        } catch {
            if case .status(_, let code, let body) = error { throw ValidationError("the server answered \(code): \(Self.message(body))") }
            throw ValidationError("\(error)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(IndexJobBody.self, from: response.body)
        } catch {
            throw ValidationError("the server's answer is not an index job: \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
    }

    /// `error.message` of an error body, else the body itself.
    static func message(_ body: String) -> String {
        struct ErrorBody: Decodable {
            struct Detail: Decodable { let message: String }
            let error: Detail
        }
        return (try? JSONDecoder().decode(ErrorBody.self, from: Data(body.utf8)))?.error.message ?? body
    }
}
