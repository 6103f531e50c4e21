/** A client's eligibility stream: every determination of theirs, in every service type. */
export const eligibilityStream = (clientId: string) => `eligibility-${clientId}`;
