import Foundation

/// A TCP connection to 127.0.0.1 driven byte by byte, for clients no HTTP library would be: one
/// that sends its request slowly, stops halfway, or opens and says nothing.
public final class RawConnection {
    private let fd: Int32
    /// What the server has sent so far.
    public private(set) var received = Data()
    /// Whether the server has closed its side (a read returned 0, or the connection was reset).
    public private(set) var closedByServer = false

    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    deinit { close(fd) }

    /// Sends `text`; false when the server has closed the connection.
    @discardableResult
    public func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        // MSG_NOSIGNAL: writing to a connection the server closed must not raise SIGPIPE in the test process.
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads what arrives for up to `seconds`, returning early once the server closes.
    public func read(for seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !closedByServer {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(left * 1000))
            if ready < 0, errno == EINTR { continue }
            guard ready > 0 else { return }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 {
                received.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                closedByServer = true
            }
        }
    }

    /// What was received, as text.
    public var text: String { String(decoding: received, as: UTF8.self) }
}
