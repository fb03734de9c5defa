// faktory-tls-client: the Go client from github.com/contribsys/faktory/client, configured the way a Go
// worker or producer is (FAKTORY_URL or FAKTORY_PROVIDER, read by client.Open), PUSHing -jobs jobs to
// -queue, then FETCHing and ACKing them, each on the same connection. For tcp+tls:// URLs the client dials
// with crypto/tls and the system roots: point SSL_CERT_FILE at a CA to trust it (Go honours it on Linux).
// Prints one JSON object on stdout: the counts, or the error that stopped it (exit 1).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	faktory "github.com/contribsys/faktory/client"
)

type result struct {
	Pushed  int      `json:"pushed"`
	Fetched int      `json:"fetched"`
	Acked   int      `json:"acked"`
	Jids    []string `json:"jids"`
	Error   string   `json:"error,omitempty"`
}

func run(jobs int, queue string, r *result) error {
	c, err := faktory.Open()
	if err != nil {
		return err
	}
	defer c.Close()
	pushed := map[string]bool{}
	for i := 0; i < jobs; i++ {
		job := faktory.NewJob("go-tls", i)
		job.Queue = queue
		if err := c.Push(job); err != nil {
			return fmt.Errorf("PUSH %d: %w", i, err)
		}
		pushed[job.Jid] = true
		r.Pushed++
		r.Jids = append(r.Jids, job.Jid)
	}
	for r.Fetched < jobs {
		job, err := c.Fetch(queue)
		if err != nil {
			return fmt.Errorf("FETCH: %w", err)
		}
		if job == nil {
			return fmt.Errorf("FETCH: queue %s empty after %d of %d", queue, r.Fetched, jobs)
		}
		if !pushed[job.Jid] {
			return fmt.Errorf("FETCH: job %s was not pushed by this run", job.Jid)
		}
		r.Fetched++
		if err := c.Ack(job.Jid); err != nil {
			return fmt.Errorf("ACK %s: %w", job.Jid, err)
		}
		r.Acked++
	}
	return nil
}

func main() {
	jobs := flag.Int("jobs", 10, "jobs to push, then fetch and acknowledge")
	queue := flag.String("queue", "go-tls", "queue to push to and fetch from")
	flag.Parse()
	r := result{Jids: []string{}}
	err := run(*jobs, *queue, &r)
	if err != nil {
		r.Error = err.Error()
	}
	_ = json.NewEncoder(os.Stdout).Encode(r)
	if err != nil {
		os.Exit(1)
	}
}
