/// Quarry's own Lua script for the Dramatiq Redis layout (DESIGN.md §6): every queue operation is
/// one call of it, so each is atomic. Loaded once (SCRIPT LOAD) and called by its SHA (EVALSHA),
/// loaded again when Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH).
///
/// ARGV: 1 operation, 2 now (ms), 3 namespace, 4 queue (`q`, or `q.DQ` for delayed messages),
/// 5 worker id, 6 heartbeat timeout (ms; Dramatiq's default 60 s), then the operation's own.
/// Keys are built from the namespace as Dramatiq builds them, so Python workers and Quarry's share
/// them. Every call refreshes the caller's heartbeat.
enum DispatchScript {
    static let source = #"""
    local operation, now, ns, queue, worker = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
    local timeout = tonumber(ARGV[6])
    local q = ns .. ":" .. queue
    local messages = q .. ".msgs"
    local heartbeats = ns .. ":__heartbeats__"
    local function acks_of(w, name) return ns .. ":__acks__." .. w .. "." .. name end
    local acks = acks_of(worker, queue)
    -- Dead letters belong to the base queue, also for a delayed message.
    local base = string.gsub(queue, "%.DQ$", "")
    local xq = ns .. ":" .. base .. ".XQ"

    redis.call("zadd", heartbeats, now, worker)

    -- Wakes a worker blocked on `<q>.wake` (BLPOP): a key beside Dramatiq's, which Dramatiq
    -- ignores. At most 64 tokens, gone after a minute when no Quarry worker listens.
    local function wake(name)
      local key = ns .. ":" .. name .. ".wake"
      redis.call("rpush", key, "1")
      redis.call("ltrim", key, -64, -1)
      redis.call("pexpire", key, 60000)
    end

    -- Takes message `id` out of this worker's hands; false when it was not held (already acked,
    -- or given back to the queue after this worker was taken for dead).
    local function release(id)
      return redis.call("srem", acks, id) == 1
    end

    if operation == "enqueue" then
      -- ARGV 7: message id (options.redis_message_id), 8: message, 9 (optional): the sender's
      -- message id; while `<ns>:__sent__.<it>` is kept (a day), the same message is not added again.
      if ARGV[9] and ARGV[9] ~= "" and not redis.call("set", ns .. ":__sent__." .. ARGV[9], "1", "NX", "PX", 86400000) then
        return 0
      end
      redis.call("hset", messages, ARGV[7], ARGV[8])
      redis.call("rpush", q, ARGV[7])
      wake(queue)
      return 1

    elseif operation == "fetch" then
      -- ARGV 7: at most this many; 8: "1" to do maintenance first (also done whenever the queue
      -- is empty, so idle workers recover a dead worker's messages promptly). Returns id,
      -- message, id, ….
      if ARGV[8] == "1" or redis.call("llen", q) == 0 then
        -- Workers silent for the heartbeat timeout are dead: what they held of this queue goes back on it.
        for _, dead in ipairs(redis.call("zrangebyscore", heartbeats, 0, now - timeout)) do
          local held = acks_of(dead, queue)
          for _, id in ipairs(redis.call("smembers", held)) do redis.call("rpush", q, id) end
          redis.call("del", held)
          -- A worker silent for a day has no queue left to give back.
          if tonumber(redis.call("zscore", heartbeats, dead)) < now - 86400000 then redis.call("zrem", heartbeats, dead) end
        end
        -- Dead letters are kept seven days.
        local expired = redis.call("zrangebyscore", xq, 0, now - 604800000)
        for _, id in ipairs(expired) do redis.call("hdel", xq .. ".msgs", id) end
        redis.call("zremrangebyscore", xq, 0, now - 604800000)
      end
      local found = {}
      while #found < 2 * tonumber(ARGV[7]) do
        local id = redis.call("lpop", q)
        if not id then break end
        local body = redis.call("hget", messages, id)
        -- An id without its message was acked meanwhile: nothing to deliver.
        if body then
          redis.call("sadd", acks, id)
          found[#found + 1] = id
          found[#found + 1] = body
        end
      end
      return found

    elseif operation == "ack" then
      -- ARGV 7: message id
      if release(ARGV[7]) then redis.call("hdel", messages, ARGV[7]) return 1 end
      return 0

    elseif operation == "nack" then
      -- ARGV 7: message id; 8 (optional): the message as it died (with its last error). To the
      -- dead letters, scored by the time of death.
      if not release(ARGV[7]) then return 0 end
      local body = ARGV[8] or redis.call("hget", messages, ARGV[7])
      redis.call("hdel", messages, ARGV[7])
      if body then
        redis.call("zadd", xq, now, ARGV[7])
        redis.call("hset", xq .. ".msgs", ARGV[7], body)
      end
      return 1

    elseif operation == "move" then
      -- ARGV 7: message id held from this queue, 8: target queue, 9: new message id, 10: new
      -- message. A retry (to `q.DQ`) or a due delayed message (to `q`), in one step.
      if not release(ARGV[7]) then return 0 end
      redis.call("hdel", messages, ARGV[7])
      local target = ns .. ":" .. ARGV[8]
      redis.call("hset", target .. ".msgs", ARGV[9], ARGV[10])
      redis.call("rpush", target, ARGV[9])
      wake(ARGV[8])
      return 1

    elseif operation == "requeue" then
      -- ARGV 7…: message ids held by this worker, back on the queue (graceful shutdown).
      local count = 0
      for i = 7, #ARGV do
        if release(ARGV[i]) then redis.call("rpush", q, ARGV[i]) count = count + 1 end
      end
      if count > 0 then wake(queue) end
      return count

    elseif operation == "depth" then
      -- Waiting, delayed and held by live workers (dead letters not counted).
      local total = redis.call("llen", q) + redis.call("llen", q .. ".DQ")
      for _, alive in ipairs(redis.call("zrangebyscore", heartbeats, now - timeout, "+inf")) do
        total = total + redis.call("scard", acks_of(alive, queue)) + redis.call("scard", acks_of(alive, queue .. ".DQ"))
      end
      return total

    elseif operation == "dead" then
      local ids = redis.call("zrange", xq, 0, -1)
      if #ids == 0 then return {} end
      return redis.call("hmget", xq .. ".msgs", unpack(ids))

    elseif operation == "beat" then
      return 1
    end
    return redis.error_reply("unknown operation " .. operation)
    """#
}
