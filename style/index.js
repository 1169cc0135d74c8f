import './base.css';
import './sweeps.css';
import './dialog.css';
