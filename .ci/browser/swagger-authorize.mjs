// Swagger UI's "Authorize" button logs in through the OAuth2 password flow (tokenUrl
// /auth/token), then "Try it out" on GET /users/me answers 200 with the user.
// Usage: node swagger-authorize.mjs BASE_URL USERNAME PASSWORD
import { chromium } from "playwright-core";

const [base, username, password] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  await page.goto(`${base}/docs`);
  await page.click("button.authorize");
  const oauth2 = page.locator(".auth-container", { hasText: "OAuth2PasswordBearer" });
  await oauth2.locator("#oauth_username").fill(username);
  await oauth2.locator("#oauth_password").fill(password);
  await oauth2.locator("button.authorize").click();
  await oauth2.getByText("Authorized", { exact: true }).waitFor({ timeout: 10000 });
  await page.locator("button.btn-done").first().click();
  const operation = page.locator("#operations-users-read_me");
  await operation.locator(".opblock-summary").click();
  await operation.locator(".try-out__btn").click();
  await operation.locator("button.execute").click();
  const status = operation.locator(".live-responses-table tbody tr.response td.response-col_status").first();
  await status.waitFor({ timeout: 10000 });
  const code = (await status.innerText()).trim();
  const body = await operation.locator(".live-responses-table tbody tr.response td.response-col_description").first().innerText();
  if (!code.startsWith("200") || !body.includes(username)) {
    throw new Error(`GET /users/me after Authorize answered ${code}: ${body.slice(0, 300)}`);
  }
  console.log("swagger ui authorize + try it out: ok");
} finally {
  await browser.close();
}
