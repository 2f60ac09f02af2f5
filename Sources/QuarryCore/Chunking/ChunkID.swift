import Crypto
import Foundation

/// Content hashes: document ids are the sha256 of the bytes, chunk ids derive from them.
public enum ContentHash {
    /// Lowercase hex sha256.
    public static func sha256(_ bytes: some DataProtocol) -> String {
        Hex.encode(SHA256.hash(data: bytes))
    }
}

/// Deterministic chunk ids: the same document, position and text always give the same id, so
/// re-indexing identical bytes rewrites the same points instead of adding new ones.
public enum ChunkID {
    /// 32 hex characters (128 bits) of sha256(`documentId`:`ordinal`:sha256(`text`)).
    public static func make(documentId: String, ordinal: Int, text: String) -> String {
        let textHash = ContentHash.sha256(Data(text.utf8))
        return String(ContentHash.sha256(Data("\(documentId):\(ordinal):\(textHash)".utf8)).prefix(32))
    }
}
