import CMongoc
import Foundation
import Logging
import QuarryCore

/// A pool of libmongoc clients shared by every thread (libmongoc's own pool, one client per
/// operation in flight), with the few operations the stores need. libmongoc blocks, so each call
/// runs on a dispatch thread, never on Swift's cooperative pool.
public final class MongoClient: @unchecked Sendable {
    private let uri: OpaquePointer
    private let pool: OpaquePointer
    /// The database named in the URI's path, else `quarry`.
    public let databaseName: String
    /// Where the server is, for readiness reports: the URI's hosts, never its credentials.
    public let hosts: String

    private static let initialise: Void = {
        mongoc_init()
        // libmongoc prints to standard error in its own format; its warnings and errors (a server
        // going away) go to Quarry's log instead, the chatter below them nowhere.
        mongoc_log_set_handler({ level, domain, message, _ in
            guard level.rawValue <= MONGOC_LOG_LEVEL_WARNING.rawValue, let message else { return }
            let text = String(cString: message)
            // After a write conflict the server has ended the transaction already; the abort that
            // resets libmongoc's side of it is answered so, and says nothing worth a warning.
            if text.hasPrefix("Error in abortTransaction") { return }
            let origin = domain.map { String(cString: $0) } ?? "mongoc"
            let logger = Logger(label: "mongoc")
            if level.rawValue <= MONGOC_LOG_LEVEL_CRITICAL.rawValue {
                logger.error("\(origin): \(text)")
            } else {
                logger.warning("\(origin): \(text)")
            }
        }, nil)
    }()

    /// `uri` is a MongoDB connection string. Unless it says otherwise, server selection gives up
    /// after 3 s (libmongoc's default is 30 s), so a request meets a down server with a quick 503.
    public init(uri text: String) throws(MongoError) {
        _ = Self.initialise
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(text, &error) else { throw MongoError(error, operation: "parsing the MongoDB URI") }
        if !mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS) {
            mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 3000)
        }
        if !mongoc_uri_has_option(uri, MONGOC_URI_CONNECTTIMEOUTMS) {
            mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, 3000)
        }
        if !mongoc_uri_has_option(uri, MONGOC_URI_APPNAME) { mongoc_uri_set_appname(uri, "quarry") }
        guard let pool = mongoc_client_pool_new(uri) else {
            mongoc_uri_destroy(uri)
            throw MongoError(domain: 0, code: 0, message: "cannot create a client pool for this URI")
        }
        mongoc_client_pool_set_error_api(pool, Int32(MONGOC_ERROR_API_VERSION_2))
        self.uri = uri
        self.pool = pool
        databaseName = mongoc_uri_get_database(uri).map { String(cString: $0) } ?? "quarry"
        var names: [String] = []
        var host = mongoc_uri_get_hosts(uri)
        while let current = host {
            names.append(withUnsafeBytes(of: current.pointee.host_and_port) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
            host = UnsafePointer(current.pointee.next)
        }
        hosts = names.joined(separator: ",")
    }

    deinit {
        mongoc_client_pool_destroy(pool)
        mongoc_uri_destroy(uri)
    }

    /// Runs `body` with a client from the pool on a dispatch thread. libmongoc's errors become
    /// ``MongoError``, or ``BackendUnavailable`` when the server cannot be reached.
    func run<T: Sendable>(_ body: @escaping @Sendable (Session) throws -> T) async throws -> T {
        let work = Work(body)
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { [self] in
                let client = mongoc_client_pool_pop(pool)!
                let result = work.run(Session(client: client, database: databaseName))
                mongoc_client_pool_push(pool, client)
                switch result {
                case .success(let value): continuation.resume(returning: value)
                case .failure(let error as MongoError) where error.isUnreachable:
                    continuation.resume(throwing: BackendUnavailable(backend: "mongodb", reason: error.message))
                case .failure(let error): continuation.resume(throwing: error)
                }
            }
        }
    }

    /// A ``run(_:)`` body, let go of once it has run and before its caller resumes: a caller may
    /// lend it a closure that must not outlive the call (`withoutActuallyEscaping`), and the
    /// dispatch block that ran it is released only some time after.
    private final class Work<T>: @unchecked Sendable {
        private var body: (@Sendable (Session) throws -> T)?

        init(_ body: @escaping @Sendable (Session) throws -> T) {
            self.body = body
        }

        func run(_ session: Session) -> Result<T, any Error> {
            guard let body else { return .failure(CancellationError()) }
            self.body = nil
            return Result { try body(session) }
        }
    }

    /// Runs `body` in one multi-document transaction, on a client from the pool on a dispatch
    /// thread: committed when it returns, aborted when it throws. When another transaction wrote
    /// the same documents first (a write conflict, or any error the server labels transient), it
    /// is run again from the start, up to `attempts` times, each after a random pause of up to as
    /// many milliseconds as attempts made (at most 20), so writers that collide spread out.
    ///
    /// A process killed inside a transaction leaves its documents locked until the server ends the
    /// transaction (MongoDB's `transactionLifetimeLimitSeconds`, 60 s by default); writers of them
    /// meet conflicts until then, and, their attempts spent, throw for their caller to retry later.
    func transaction<T: Sendable>(attempts: Int = 100, _ body: @escaping @Sendable (Session) throws -> T) async throws -> T {
        try await run { session in
            var error = bson_error_t()
            guard let transaction = mongoc_client_start_session(session.client, nil, &error) else {
                throw MongoError(error, operation: "starting a session")
            }
            defer { mongoc_client_session_destroy(transaction) }
            var attempt = 1
            while true {
                guard mongoc_client_session_start_transaction(transaction, nil, &error) else {
                    throw MongoError(error, operation: "starting a transaction")
                }
                do {
                    let result = try body(Session(client: session.client, database: session.database, transaction: transaction))
                    let reply = BSONDocument()
                    let committed = withExtendedLifetime(reply) { mongoc_client_session_commit_transaction(transaction, reply.pointer, &error) }
                    if committed { return result }
                    let failure = MongoError(error, operation: "committing a transaction")
                    guard attempt < attempts, failure.isTransient || mongoc_error_has_label(reply.pointer, "TransientTransactionError") else {
                        throw failure
                    }
                } catch let failure as MongoError where failure.isTransient && attempt < attempts {
                    var ignored = bson_error_t()
                    _ = mongoc_client_session_abort_transaction(transaction, &ignored)
                } catch {
                    var ignored = bson_error_t()
                    _ = mongoc_client_session_abort_transaction(transaction, &ignored)
                    throw error
                }
                attempt += 1
                usleep(UInt32.random(in: 0...UInt32(min(attempt, 20))) * 1000)  // on a dispatch thread: blocking is what it is for
            }
        }
    }

    /// One client, borrowed from the pool for the length of a ``MongoClient/run(_:)`` call.
    ///
    /// Every C call that takes a ``BSONDocument``'s pointer runs inside `withExtendedLifetime` of
    /// the documents: an optimised build may free an object right after its last Swift use, which
    /// reading `.pointer` is, before libmongoc has read the memory (seen as "corrupt BSON").
    struct Session {
        let client: OpaquePointer
        let database: String
        /// The transaction every operation joins (``MongoClient/transaction(attempts:_:)``), or nil.
        var transaction: OpaquePointer? = nil

        /// `options` with the transaction's session added, when there is one.
        func joined(_ options: BSONDocument) throws -> BSONDocument {
            guard let transaction else { return options }
            var error = bson_error_t()
            guard withExtendedLifetime(options, { mongoc_client_session_append(transaction, options.pointer, &error) }) else {
                throw MongoError(error, operation: "joining the transaction")
            }
            return options
        }

        func collection<T>(_ name: String, _ body: (OpaquePointer) throws -> T) rethrows -> T {
            let collection = mongoc_client_get_collection(client, database, name)!
            defer { mongoc_collection_destroy(collection) }
            return try body(collection)
        }

        /// Documents matching `filter`, with `options` (`sort`, `skip`, `limit`, `projection`).
        func find(_ name: String, filter: some Encodable, options: some Encodable) throws -> [BSONDocumentCopy] {
            let (filter, options) = (try BSONDocument(filter), try joined(try BSONDocument(options)))
            return try collection(name) { collection in
                let cursor = withExtendedLifetime((filter, options)) { mongoc_collection_find_with_opts(collection, filter.pointer, options.pointer, nil)! }
                defer { mongoc_cursor_destroy(cursor) }
                var found: [BSONDocumentCopy] = []
                var document: OpaquePointer?
                while mongoc_cursor_next(cursor, &document) {
                    if let document { found.append(BSONDocumentCopy(json: BSONDocument.json(document))) }
                }
                var error = bson_error_t()
                if mongoc_cursor_error(cursor, &error) { throw MongoError(error, operation: "find in \(name)") }
                return found
            }
        }

        func insertMany(_ name: String, _ documents: [some Encodable], ordered: Bool = true) throws {
            guard !documents.isEmpty else { return }
            let made = try documents.map { try BSONDocument($0) }
            let options = try joined(try BSONDocument(["ordered": ordered]))
            var pointers: [OpaquePointer?] = made.map(\.pointer)
            let reply = BSONDocument()
            var error = bson_error_t()
            let done = withExtendedLifetime((made, options, reply)) {
                collection(name) { collection in
                    pointers.withUnsafeMutableBufferPointer { mongoc_collection_insert_many(collection, $0.baseAddress, $0.count, options.pointer, reply.pointer, &error) }
                }
            }
            if !done { throw MongoError(error, operation: "insert into \(name)") }
        }

        /// Replaces the document `filter` selects, inserting it when `upsert` and none matches;
        /// returns how many matched.
        @discardableResult
        func replaceOne(_ name: String, filter: some Encodable, with replacement: some Encodable, upsert: Bool) throws -> Int {
            let (filter, replacement, options) = (try BSONDocument(filter), try BSONDocument(replacement), try joined(try BSONDocument(["upsert": upsert])))
            let reply = BSONDocument()
            var error = bson_error_t()
            let done = withExtendedLifetime((filter, replacement, options, reply)) {
                collection(name) { mongoc_collection_replace_one($0, filter.pointer, replacement.pointer, options.pointer, reply.pointer, &error) }
            }
            if !done { throw MongoError(error, operation: "replace in \(name)") }
            return try reply.decode(WriteReply.self).matchedCount ?? 0
        }

        /// Applies `update` (operators such as `$set`) to the document `filter` selects; returns how many matched.
        @discardableResult
        func updateOne(_ name: String, filter: some Encodable, update: some Encodable) throws -> Int {
            let (filter, update) = (try BSONDocument(filter), try BSONDocument(update))
            let reply = BSONDocument()
            var error = bson_error_t()
            let done = withExtendedLifetime((filter, update, reply)) {
                collection(name) { mongoc_collection_update_one($0, filter.pointer, update.pointer, nil, reply.pointer, &error) }
            }
            if !done { throw MongoError(error, operation: "update in \(name)") }
            return try reply.decode(WriteReply.self).matchedCount ?? 0
        }

        @discardableResult
        func deleteMany(_ name: String, filter: some Encodable) throws -> Int {
            let filter = try BSONDocument(filter)
            let reply = BSONDocument()
            var error = bson_error_t()
            let done = withExtendedLifetime((filter, reply)) { collection(name) { mongoc_collection_delete_many($0, filter.pointer, nil, reply.pointer, &error) } }
            if !done { throw MongoError(error, operation: "delete from \(name)") }
            return try reply.decode(WriteReply.self).deletedCount ?? 0
        }

        /// A database command (`createIndexes`, `ping`), its reply as relaxed Extended JSON.
        @discardableResult
        func command(_ command: some Encodable) throws -> Data {
            let command = try BSONDocument(command)
            let reply = BSONDocument()
            var error = bson_error_t()
            guard withExtendedLifetime((command, reply), { mongoc_client_command_simple(client, database, command.pointer, nil, reply.pointer, &error) }) else {
                throw MongoError(error, operation: "command")
            }
            return reply.json
        }

        private struct WriteReply: Decodable {
            let matchedCount: Int?
            let deletedCount: Int?
        }
    }
}

/// A found document, copied out of libmongoc's cursor as Extended JSON.
struct BSONDocumentCopy: Sendable {
    let json: Data

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try ExtendedJSON.decoder.decode(type, from: json)
    }
}
