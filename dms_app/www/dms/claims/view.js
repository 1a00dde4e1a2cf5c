// "Send for Approval" of a draft or rejected claim: dms_app.portal.schemes.send_claim.
document.addEventListener("DOMContentLoaded", () => {
	const button = document.querySelector("[data-dms-send-claim]");
	if (!button) return;
	const alert = document.querySelector("[data-dms-form-error]");
	button.addEventListener("click", async () => {
		alert.hidden = true;
		button.disabled = true;
		try {
			await dmsPortal.call("dms_app.portal.schemes.send_claim", { name: button.dataset.dmsSendClaim }, { distributor: button.dataset.distributor, failed: __("The claim could not be sent.") });
			window.location.reload();
		} catch (lines) {
			dmsPortal.show(alert, Array.isArray(lines) ? lines : [String(lines)]);
		} finally {
			button.disabled = false;
		}
	});
});
