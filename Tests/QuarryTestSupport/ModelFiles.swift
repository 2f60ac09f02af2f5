import Foundation

/// Where scripts/bootstrap installed all-MiniLM-L6-v2.
public enum ModelFiles {
    public static var directory: String {
        let environment = ProcessInfo.processInfo.environment
        if let models = environment["QUARRY_MODELS"] { return models + "/all-MiniLM-L6-v2" }
        return QuarryCache.directory + "/models/all-MiniLM-L6-v2"
    }
}
