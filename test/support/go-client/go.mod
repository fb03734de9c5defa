module faktory-ha/test/support/go-client

go 1.25

require github.com/contribsys/faktory v1.9.4
