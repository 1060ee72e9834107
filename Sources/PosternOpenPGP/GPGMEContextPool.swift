import CGPGME

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Idle GPGME contexts kept per GnuPG home directory, so that a process probes the
/// engine once per keyring instead of once per operation.
///
/// WHY: `gpgme_ctx_set_engine_info` runs `gpg --version` every time it is called, and a
/// context bound to a home directory needs it. Reusing a released context keeps the
/// probe's result. A context is never used by two callers at once: the pool hands each
/// one to exactly one ``GPGMEContext`` and takes it back when that is deinitialised.
/// Reuse is safe because every GPGME operation starts by releasing the previous
/// operation's engine and results (`_gpgme_op_reset`); the per-use settings are applied
/// again on every checkout (``GPGMEContext/configure()``).
///
/// Bounded: at most ``maxIdlePerHome`` idle contexts per home and ``maxHomes`` homes;
/// the least recently used home's contexts are released first.
final class GPGMEContextPool: @unchecked Sendable {
    // @unchecked: `idle` and `order` are only touched with `mutex` held, and a context in
    // `idle` belongs to no caller (ownership moves in and out under the lock).
    static let shared = GPGMEContextPool()

    static let maxIdlePerHome = 4
    static let maxHomes = 16

    /// A home directory, or nil for gpg's default; "" cannot be a home, so it stands for nil.
    private static func key(_ home: String?) -> String { home.map { "h:" + $0 } ?? "default" }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var idle: [String: [gpgme_ctx_t]] = [:]
    /// Homes, least recently used first.
    private var order: [String] = []

    private init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    // The shared pool lives as long as the process; no deinit needed.

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// An idle context for `home`, or nil when there is none (the caller makes one).
    func checkOut(home: String?) -> gpgme_ctx_t? {
        let key = Self.key(home)
        return locked {
            guard var list = idle[key], let ctx = list.popLast() else { return nil }
            idle[key] = list
            return ctx
        }
    }

    /// Takes `ctx` back for later use on `home`; releases whatever no longer fits.
    func checkIn(_ ctx: gpgme_ctx_t, home: String?) {
        let key = Self.key(home)
        let surplus: [gpgme_ctx_t] = locked {
            var dropped: [gpgme_ctx_t] = []
            var list = idle[key] ?? []
            if list.count < Self.maxIdlePerHome {
                list.append(ctx)
            } else {
                dropped.append(ctx)
            }
            idle[key] = list
            order.removeAll { $0 == key }
            order.append(key)
            while order.count > Self.maxHomes {
                let oldest = order.removeFirst()
                dropped += idle.removeValue(forKey: oldest) ?? []
            }
            return dropped
        }
        // gpgme_release outside the lock: it may wait for an engine to finish.
        for ctx in surplus { gpgme_release(ctx) }
    }
}
