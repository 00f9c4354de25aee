module github.com/coyim/otr3

go 1.23.0

toolchain go1.23.12

require (
	filippo.io/bigmod v0.1.0
	github.com/awnumar/memcall v0.5.0
	github.com/emmansun/base64 v0.7.0
	golang.org/x/sys v0.35.0
)

require (
	github.com/google/uuid v1.3.0 // indirect
	github.com/gookit/color v1.5.2 // indirect
	github.com/mattn/goveralls v0.0.12 // indirect
	github.com/nbutton23/zxcvbn-go v0.0.0-20210217022336-fa2cb2858354 // indirect
	github.com/securego/gosec/v2 v2.15.0 // indirect
	github.com/xo/terminfo v0.0.0-20210125001918-ca9a967f8778 // indirect
	golang.org/x/lint v0.0.0-20241112194109-818c5a804067 // indirect
	golang.org/x/mod v0.25.0 // indirect
	golang.org/x/sync v0.15.0 // indirect
	golang.org/x/tools v0.34.0 // indirect
	golang.org/x/tools/cmd/cover v0.1.0-deprecated // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
