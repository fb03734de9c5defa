// Resilient Faktory on Kubernetes: a supervised StatefulSet with fenced failover.
package faktoryha
