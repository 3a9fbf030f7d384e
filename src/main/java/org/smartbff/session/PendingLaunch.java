package org.smartbff.session;

/**
 * A launch that went to the authorization server and has not come back yet, kept (encrypted) in Redis under the hash
 * of its {@code state}, taken once.
 *
 * @param server the configured server's name
 * @param codeVerifier the PKCE verifier
 * @param nonce the OpenID Connect nonce, null when {@code openid} was not requested
 * @param bindingHash SHA-256 of the value of the binding cookie given to the browser that started the launch
 * @param scope the scopes requested
 * @param launch the EHR's launch id, null for a standalone launch
 * @param returnTo the local path to go to after login
 */
public record PendingLaunch(String server, String codeVerifier, String nonce, String bindingHash, String scope,
        String launch, String returnTo, long createdAt) {

    @Override
    public String toString() {
        return "PendingLaunch[server=" + server + ", scope=" + scope + ", launch="
                + (launch != null ? "present" : "absent") + ", returnTo=" + returnTo + "]";
    }
}
