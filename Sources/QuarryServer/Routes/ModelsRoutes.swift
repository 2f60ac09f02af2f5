import Foundation
import Hummingbird

/// `GET /v1/models`: the embedding model (when this server embeds) and the chat models (when it answers).
struct ModelsRoutes {
    let embeddingModel: String?
    let answers: Bool
    /// When the server started: OpenAI's `created` is a Unix time, and these models are as old as the process.
    let created = Int(Date().timeIntervalSince1970)

    func register(on group: RouterGroup<QuarryRequestContext>) {
        group.get("/models") { _, context -> ModelListBody in
            _ = try context.require(.viewer)
            let chat = answers ? ServedChatModel.allCases.map(\.rawValue) : []
            return ModelListBody(data: (chat + [embeddingModel].compactMap { $0 }).map { ModelListBody.Model(id: $0, created: created) })
        }
    }
}
