//! The Plumbline validating admission webhook (built in its own issue).
