//! A bounded TTL cache whose misses are coalesced: concurrent callers for the same key wait for
//! the one lookup in flight instead of each asking the registry.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

enum Slot<V> {
    Ready { value: V, expires: Instant },
    Pending(Arc<Flight<V>>),
}

struct Flight<V> {
    value: Mutex<Option<V>>,
    done: Condvar,
}

/// How a value was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Computed by this caller.
    Computed,
    /// Found in the cache.
    Cached,
    /// Computed by a concurrent caller this one waited for.
    Coalesced,
}

pub(crate) struct Cache<K, V> {
    slots: Mutex<HashMap<K, Slot<V>>>,
    capacity: usize,
}

impl<K, V> std::fmt::Debug for Cache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

/// Clears a pending slot if its computation panics, so waiters do not hang.
struct PendingGuard<'a, K: Hash + Eq + Clone, V: Clone> {
    cache: &'a Cache<K, V>,
    key: Option<K>,
}

impl<K: Hash + Eq + Clone, V: Clone> Drop for PendingGuard<'_, K, V> {
    fn drop(&mut self) {
        if let Some(k) = self.key.take() {
            if let Ok(mut slots) = self.cache.slots.lock() {
                slots.remove(&k);
            }
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Cache<K, V> {
    pub(crate) fn new(capacity: usize) -> Cache<K, V> {
        Cache {
            slots: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    /// The cached value, if fresh; never waits for a lookup in flight.
    pub(crate) fn peek(&self, key: &K) -> Option<V> {
        let slots = self.slots.lock().ok()?;
        match slots.get(key) {
            Some(Slot::Ready { value, expires }) if *expires > Instant::now() => {
                Some(value.clone())
            }
            _ => None,
        }
    }

    /// The cached value, or the one a concurrent caller is computing (waiting until `deadline`),
    /// or `compute()`'s, cached for the TTL `ttl_of` gives it. `None` only when waiting for
    /// another caller's lookup passed `deadline`.
    pub(crate) fn get_or_compute(
        &self,
        key: &K,
        deadline: Instant,
        compute: impl FnOnce() -> V,
        ttl_of: impl Fn(&V) -> Duration,
    ) -> Option<(V, Origin)> {
        let flight = {
            let mut slots = self.slots.lock().ok()?;
            match slots.get(key) {
                Some(Slot::Ready { value, expires }) if *expires > Instant::now() => {
                    return Some((value.clone(), Origin::Cached))
                }
                Some(Slot::Pending(f)) => Some(f.clone()),
                _ => {
                    let f = Arc::new(Flight {
                        value: Mutex::new(None),
                        done: Condvar::new(),
                    });
                    slots.insert(key.clone(), Slot::Pending(f.clone()));
                    None
                }
            }
        };
        if let Some(f) = flight {
            let mut v = f.value.lock().ok()?;
            while v.is_none() {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return None;
                }
                v = f.done.wait_timeout(v, left).ok()?.0;
            }
            return v.clone().map(|v| (v, Origin::Coalesced));
        }
        let mut guard = PendingGuard {
            cache: self,
            key: Some(key.clone()),
        };
        let value = compute();
        guard.key = None;
        let ttl = ttl_of(&value);
        let mut slots = self.slots.lock().ok()?;
        let flight = match slots.remove(key) {
            Some(Slot::Pending(f)) => Some(f),
            _ => None,
        };
        if !ttl.is_zero() {
            self.make_room(&mut slots);
            slots.insert(
                key.clone(),
                Slot::Ready {
                    value: value.clone(),
                    expires: Instant::now() + ttl,
                },
            );
        }
        drop(slots);
        if let Some(f) = flight {
            if let Ok(mut v) = f.value.lock() {
                *v = Some(value.clone());
            }
            f.done.notify_all();
        }
        Some((value, Origin::Computed))
    }

    /// Evict expired entries, then the ones closest to expiry, until one more fits.
    fn make_room(&self, slots: &mut HashMap<K, Slot<V>>) {
        if slots.len() < self.capacity {
            return;
        }
        let now = Instant::now();
        slots.retain(|_, s| !matches!(s, Slot::Ready { expires, .. } if *expires <= now));
        while slots.len() >= self.capacity {
            let victim = slots
                .iter()
                .filter_map(|(k, s)| match s {
                    Slot::Ready { expires, .. } => Some((k, *expires)),
                    Slot::Pending(_) => None,
                })
                .min_by_key(|(_, e)| *e)
                .map(|(k, _)| k.clone());
            match victim {
                Some(k) => {
                    slots.remove(&k);
                }
                None => break,
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.lock().map(|s| s.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(10)
    }

    #[test]
    fn bounded_and_ttl() {
        let c: Cache<u32, u32> = Cache::new(2);
        for k in 0..5 {
            c.get_or_compute(&k, far(), || k * 10, |_| Duration::from_secs(60));
        }
        assert_eq!(c.len(), 2);
        let (_, o) = c
            .get_or_compute(&4, far(), || 0, |_| Duration::from_secs(60))
            .unwrap();
        assert_eq!(o, Origin::Cached);
        // Zero TTL (a negative TTL of 0) is never stored.
        c.get_or_compute(&9, far(), || 1, |_| Duration::ZERO);
        assert!(c.peek(&9).is_none());
        c.get_or_compute(&8, far(), || 1, |_| Duration::from_millis(20));
        assert_eq!(c.peek(&8), Some(1));
        std::thread::sleep(Duration::from_millis(30));
        assert!(c.peek(&8).is_none());
    }

    #[test]
    fn concurrent_misses_are_coalesced() {
        let c: Arc<Cache<&'static str, u32>> = Arc::new(Cache::new(10));
        let calls = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (c, calls) = (c.clone(), calls.clone());
                std::thread::spawn(move || {
                    c.get_or_compute(
                        &"k",
                        far(),
                        || {
                            calls.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(100));
                            7
                        },
                        |_| Duration::from_secs(60),
                    )
                    .map(|(v, _)| v)
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().ok().flatten(), Some(7));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn waiter_gives_up_at_its_deadline() {
        let c: Arc<Cache<u8, u8>> = Arc::new(Cache::new(10));
        let c2 = c.clone();
        let slow = std::thread::spawn(move || {
            c2.get_or_compute(
                &1,
                far(),
                || {
                    std::thread::sleep(Duration::from_millis(300));
                    1
                },
                |_| Duration::from_secs(1),
            )
        });
        std::thread::sleep(Duration::from_millis(50));
        let quick = c.get_or_compute(
            &1,
            Instant::now() + Duration::from_millis(50),
            || 2,
            |_| Duration::ZERO,
        );
        assert!(quick.is_none());
        assert!(slow.join().is_ok());
    }
}
