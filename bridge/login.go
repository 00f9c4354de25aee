package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/status"

	xmppad "github.com/offrecord/offrecord/adapters/xmpp"
)

var _ bridgev2.LoginProcessUserInput = (*PasswordLogin)(nil)

// loginFlowPassword is the only login flow: an XMPP address and its password.
const loginFlowPassword = "password"

// GetLoginFlows lists the login flows.
func (c *Connector) GetLoginFlows() []bridgev2.LoginFlow {
	return []bridgev2.LoginFlow{{
		Name:        "Address & password",
		Description: "Log in with your XMPP address (user@example.org) and password",
		ID:          loginFlowPassword,
	}}
}

// CreateLogin starts a login process for a Matrix user.
func (c *Connector) CreateLogin(ctx context.Context, user *bridgev2.User, flowID string) (bridgev2.LoginProcess, error) {
	if flowID != loginFlowPassword {
		return nil, bridgev2.ErrInvalidLoginFlowID
	}
	return &PasswordLogin{conn: c, user: user}, nil
}

// PasswordLogin asks for an XMPP address and password and checks them by logging in once.
type PasswordLogin struct {
	conn *Connector
	user *bridgev2.User
}

// Start asks for the address and password.
func (p *PasswordLogin) Start(ctx context.Context) (*bridgev2.LoginStep, error) {
	return &bridgev2.LoginStep{
		Type:         bridgev2.LoginStepTypeUserInput,
		StepID:       "org.offrecord.xmpp.password",
		Instructions: "Enter your XMPP address and password. The password is stored encrypted in the bridge database.",
		UserInputParams: &bridgev2.LoginUserInputParams{
			Fields: []bridgev2.LoginInputDataField{{
				Type:        bridgev2.LoginInputFieldTypeUsername,
				ID:          "jid",
				Name:        "XMPP address",
				Description: "Your address, e.g. alice@example.org",
			}, {
				Type:        bridgev2.LoginInputFieldTypePassword,
				ID:          "password",
				Name:        "Password",
				Description: "Your XMPP account password",
			}},
		},
	}, nil
}

// Cancel has nothing to clean up: no connection outlives SubmitUserInput.
func (p *PasswordLogin) Cancel() {}

// loginError is a user-facing login failure shown as one sentence.
func loginError(code string, status int, msg string) error {
	return bridgev2.RespError{ErrCode: code, Err: msg, StatusCode: status}
}

// SubmitUserInput checks the credentials by logging in, then stores the login.
func (p *PasswordLogin) SubmitUserInput(ctx context.Context, input map[string]string) (*bridgev2.LoginStep, error) {
	account, err := parseBareJID(input["jid"])
	if err != nil {
		return nil, loginError(mautrix.MInvalidParam.ErrCode, http.StatusBadRequest, "That is not an XMPP address of the form user@example.org.")
	}
	password := input["password"]
	if password == "" {
		return nil, loginError(mautrix.MInvalidParam.ErrCode, http.StatusBadRequest, "The password must not be empty.")
	}
	log := p.user.Log.With().Str("component", "xmpp_login").Str("jid", account.String()).Logger()
	probe, err := xmppad.New(p.conn.adapterConfig(account, password, log), xmppad.NopHandler{}) // the short-lived login probe ignores events
	if err != nil {
		return nil, loginError("ORG.OFFRECORD.CONFIG", http.StatusInternalServerError, userMessage(err))
	}
	err = probe.Connect(ctx)
	_ = probe.Close()
	if err != nil {
		log.Debug().Err(err).Msg("XMPP login attempt failed")
		code := "ORG.OFFRECORD.CONNECT_FAILED"
		if errors.Is(err, xmppad.ErrAuth) {
			code = "ORG.OFFRECORD.BAD_CREDENTIALS"
		}
		return nil, loginError(code, http.StatusBadRequest, fmt.Sprintf("Could not log in as %s: %s", account, lowerFirst(userMessage(err))))
	}
	loginID := makeUserLoginID(account)
	sealed, err := sealPassword(p.conn.passwordKey, string(loginID), password)
	if err != nil {
		return nil, fmt.Errorf("sealing the password: %w", err)
	}
	ul, err := p.user.NewLogin(ctx, &database.UserLogin{
		ID:         loginID,
		RemoteName: account.String(),
		RemoteProfile: status.RemoteProfile{
			Username: account.String(),
		},
		Metadata: &UserLoginMetadata{SealedPassword: sealed},
	}, &bridgev2.NewLoginParams{DeleteOnConflict: true})
	if err != nil {
		return nil, fmt.Errorf("saving the login: %w", err)
	}
	ul.Client.Connect(ul.Log.WithContext(context.Background()))
	return &bridgev2.LoginStep{
		Type:         bridgev2.LoginStepTypeComplete,
		StepID:       "org.offrecord.xmpp.complete",
		Instructions: fmt.Sprintf("Logged in as %s. Your XMPP chats appear here as they come; use `start-chat <address>` to open one.", account),
		CompleteParams: &bridgev2.LoginCompleteParams{
			UserLoginID: ul.ID,
			UserLogin:   ul,
		},
	}, nil
}
