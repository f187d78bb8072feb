// SPDX-License-Identifier: MIT
// The tests start real servers, X displays and viewers; on a 2-core machine running them one at a time keeps
// timing-sensitive checks (update counts, viewer overlays, timeouts) deterministic.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
